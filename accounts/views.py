"""Login with Discord (start, callback, logout), and the pages every OAuth flow ends on."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts import grants, languages, outcomes
from accounts.models import OAuthState, Session, User
from accounts.oauth import (
    AuthorizationFailed,
    begin_authorization,
    callback_uri,
    consume_callback_state,
    discord_configured,
    oauth_callback,
    safe_next_path,
)
from fightrise import discord_api

logger = logging.getLogger(__name__)

SCOPES = "identify guilds"


def _redirect_uri(request: HttpRequest) -> str:
    return callback_uri(
        request, route="accounts:callback", configured=settings.DISCORD_REDIRECT_URI
    )


# GET only, never HEAD: it issues a state.
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    params = {"redirect_uri": _redirect_uri(request), "response_type": "code", "scope": SCOPES}
    return begin_authorization(
        request,
        purpose=OAuthState.Purpose.LOGIN,
        params=params,
        next_path=safe_next_path(request.GET.get("next")),
    )


# GET only, never HEAD: it consumes the state.
@require_GET
@oauth_callback
def callback(request: HttpRequest) -> HttpResponse:
    state = consume_callback_state(request, purpose=OAuthState.Purpose.LOGIN)
    if not request.GET.get("code"):
        raise AuthorizationFailed("missing_code")
    if not discord_configured():
        raise AuthorizationFailed("login_failed")
    # One place among the requests waiting on Discord for the whole of it: a login let in
    # is not refused halfway, once its code is spent.
    try:
        with discord_api.slot():
            grant = discord_api.exchange_code(
                request.GET["code"],
                redirect_uri=_redirect_uri(request),
                code_verifier=state.code_verifier,
            )
            discord_user, guilds = discord_api.get_user_and_guilds(grant.access_token)
    except discord_api.DiscordError as exc:
        logger.warning("Login failed at Discord: %s (status %s)", exc, exc.status)
        raise AuthorizationFailed(exc.error_code) from None
    user = User.objects.sync_from_discord(discord_user)
    if not user.is_active:
        logger.warning("Login refused for deactivated user %s", user.pk)
        raise AuthorizationFailed("login_failed")
    _leave_previous_session(request, user)
    auth.login(request, user)  # rotates the session key
    request.session.set_expiry(None)
    request.session.set_discord_grant(grant, guilds)
    logger.info("User %s logged in with %d servers", user.discord_id, len(guilds))
    response = redirect(state.next_path or settings.LOGIN_REDIRECT_URL)
    languages.restore(response, user)
    return response


def _leave_previous_session(request: HttpRequest, user: User) -> None:
    """Before signing `user` in over this browser's session: someone else's ends as logout
    ends it (the row goes, and their grant is revoked unless another session of theirs
    uses it); the same person's keeps its row under a new key, and its grant, which is the
    one just received (Discord keeps one authorization per person and application)."""
    previous = request.session.get(auth.SESSION_KEY)
    if previous is None:
        return
    if previous == str(user.pk):
        request.session.cycle_key()  # auth.login does not, for the person already signed in
    else:
        grants.end_sessions(Session.objects.for_key(request.session.session_key))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the session here and, best effort and briefly, the Discord authorization too."""
    if request.session.session_key:
        grants.end_sessions(Session.objects.for_key(request.session.session_key))
    auth.logout(request)
    return redirect("landing")


@require_safe
def success(request: HttpRequest) -> HttpResponse:
    """What just went right. The details come from this browser's session, not the URL."""
    context = outcomes.success_context(request.session, request.GET.get("message", ""))
    context["signed_in_home"] = resolve_url(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/success.html", context)


@require_safe
def error(request: HttpRequest) -> HttpResponse:
    """A plain-words page for each error code; an unknown code is never echoed back."""
    context = outcomes.error_context(request.GET.get("error", ""))
    return render(request, "accounts/error.html", context)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switcher (POST `language`, CSRF-protected): a language the site speaks,
    kept for this browser and the signed-in person; then back to the page it was on."""
    code = request.POST.get("language", "")
    if not languages.offered(code):
        raise BadRequest("Not a language the site speaks")
    response = redirect(languages.back_to(request) or "landing")
    languages.choose(response, request.user, code)
    return response
