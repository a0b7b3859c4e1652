"""The parts of an OAuth2 authorization that login and bot install share.

A flow starts with a one-time state bound to this browser and ends at a callback that
consumes it; every failure ends on /auth/error/ with one of the codes in accounts.outcomes.
"""

from __future__ import annotations

import functools
import logging
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import InvalidState, OAuthState
from fightrise import discord_api, ratelimit
from fightrise.net import client_ip, rate_limit_key

logger = logging.getLogger(__name__)

# Session key of the random value that binds OAuth states to this browser. It survives the
# session key rotation at login, so several tabs can each finish their own flow.
BROWSER_KEY = "_oauth_browser"
# An anonymous session that only carries pending flows lives no longer than this.
PENDING_SESSION_AGE = 30 * 60
MAX_NEXT_LENGTH = 1000


def browser_key(request: HttpRequest, *, create: bool = False) -> str | None:
    key = request.session.get(BROWSER_KEY)
    if key is None and create:
        key = request.session[BROWSER_KEY] = secrets.token_urlsafe(24)
        if not request.user.is_authenticated:
            request.session.set_expiry(PENDING_SESSION_AGE)
    return key


def safe_next_path(value: str | None) -> str:
    """`value` when it is a path on this site (not under /auth/), else ""."""
    path = local_path(value)
    if path.startswith("/auth/"):
        return ""  # back into a login would loop
    return path


def local_path(value: str | None) -> str:
    """`value` when it is a path on this site, else "": never another host or scheme."""
    if not value or len(value) > MAX_NEXT_LENGTH:
        return ""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    path = iri_to_uri(value)
    return path if len(path) <= MAX_NEXT_LENGTH else ""


def callback_uri(request: HttpRequest, *, route: str, configured: str) -> str:
    """The redirect URI Discord must see, identical at authorize and at code exchange."""
    return configured or request.build_absolute_uri(reverse(route))


def discord_configured() -> bool:
    if settings.DISCORD_CLIENT_ID and settings.DISCORD_CLIENT_SECRET:
        return True
    logger.error("Discord is not configured: set DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET")
    return False


def auth_error(code: str) -> HttpResponseRedirect:
    return redirect(f"{reverse('accounts:error')}?error={code}")


def begin_authorization(
    request: HttpRequest,
    *,
    purpose: str,
    params: dict[str, str],
    next_path: str = "",
    data: dict | None = None,
) -> HttpResponseRedirect:
    """Issue a state for this browser and send it to Discord's consent page with `params`.

    `data` stays with the state for the callback to check against.
    """
    if not discord_configured():
        return auth_error("login_failed")
    if settings.LOGIN_RATE_LIMIT:  # each start writes a state row
        who = rate_limit_key(client_ip(request))
        limit, window = settings.LOGIN_RATE_LIMIT
        if not ratelimit.allow(f"oauth-start:{who}", limit=limit, window=window):
            logger.warning("Too many authorizations started from %s", who)
            return auth_error("rate_limited")
    state = OAuthState.objects.issue(
        browser=browser_key(request, create=True),
        purpose=purpose,
        next_path=next_path,
        data=data,
    )
    query = {"client_id": settings.DISCORD_CLIENT_ID, **params, "state": state.state}
    if purpose == OAuthState.Purpose.LOGIN:
        query |= {"code_challenge": state.code_challenge, "code_challenge_method": "S256"}
        if settings.DISCORD_OAUTH_PROMPT:
            query["prompt"] = settings.DISCORD_OAUTH_PROMPT
    return redirect(discord_api.authorize_url(query))


class AuthorizationFailed(Exception):
    """Ends a callback on /auth/error/ with `code`; raised by the steps of a callback."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def oauth_callback(view):
    """A callback view: any AuthorizationFailed it raises becomes the error redirect."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AuthorizationFailed as failure:
            return auth_error(failure.code)

    return wrapper


def consume_callback_state(request: HttpRequest, *, purpose: str) -> OAuthState:
    """The first two checks of every callback: this browser's state, then Discord's error."""
    try:
        state = OAuthState.objects.consume(
            request.GET.get("state"), purpose=purpose, browser=browser_key(request)
        )
    except InvalidState as exc:
        logger.warning("%s callback refused: %s", purpose, exc)
        raise AuthorizationFailed("invalid_state") from None
    if "error" in request.GET:
        denied = request.GET["error"] == "access_denied"
        raise AuthorizationFailed("access_denied" if denied else "login_failed")
    return state
