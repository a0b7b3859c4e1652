"""Guards for the signed-in pages."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import user_passes_test
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.grants import GrantRevoked


def _signed_in_with_discord(user) -> bool:
    return user.is_authenticated and bool(user.discord_id)


def discord_login_required(view):
    """Let through people signed in with Discord; send others to LOGIN_URL and back (?next=).

    A view may raise GrantRevoked (Discord no longer honours the tokens): the session ends
    and the person is asked, politely, to log in again.
    """

    @user_passes_test(_signed_in_with_discord)
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except GrantRevoked:
            logout(request)
            messages.info(request, _("Your Discord sign-in has expired. Please log in again."))
            return redirect("landing")

    return wrapper
