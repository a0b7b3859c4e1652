"""Guards for the signed-in pages."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import GrantRevoked


def discord_login_required(view):
    """Let through people signed in with Discord; send others to log in and come back.

    A view may raise GrantRevoked (Discord no longer honours the tokens): the session ends
    and the person is asked, politely, to log in again.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.discord_id):
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"), "next")
        try:
            return view(request, *args, **kwargs)
        except GrantRevoked:
            logout(request)
            messages.info(request, "Your Discord sign-in has expired. Please log in again.")
            return redirect("landing")

    return wrapper
