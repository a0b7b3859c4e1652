"""Add to server: the bot invite and its callback."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_safe

from accounts import outcomes
from accounts.models import OAuthState, Session
from accounts.oauth import (
    AuthorizationFailed,
    auth_error,
    begin_authorization,
    callback_uri,
    consume_callback_state,
    discord_configured,
    oauth_callback,
)
from botinstall import installed
from fightrise import discord_api
from fightrise.permissions import parse_permissions
from fightrise.snowflake import parse_discord_id

logger = logging.getLogger(__name__)

SCOPES = "bot applications.commands"
GUILD_INSTALL = "0"  # integration_type: install to a server, not to a user


def _redirect_uri(request: HttpRequest) -> str:
    return callback_uri(
        request, route="botinstall:callback", configured=settings.DISCORD_BOT_REDIRECT_URI
    )


@require_GET
def install(request: HttpRequest) -> HttpResponse:
    """Send anyone to Discord's bot authorization, for the server in ?guild_id= if given."""
    params = {
        "scope": SCOPES,
        "permissions": str(settings.DISCORD_BOT_PERMISSIONS),
        "integration_type": GUILD_INSTALL,
        "response_type": "code",
        "redirect_uri": _redirect_uri(request),
    }
    if request.GET.get("guild_id"):
        # Only a preselection, taken from the dashboard's list of Discord's own ids.
        guild_id = parse_discord_id(request.GET["guild_id"])
        if guild_id is None:
            return auth_error("invalid_guild_id")
        params |= {"guild_id": str(guild_id), "disable_guild_select": "true"}
    return begin_authorization(
        request,
        purpose=OAuthState.Purpose.BOT_INSTALL,
        params=params,
        data={"permissions": params["permissions"]},
    )


@require_GET
@oauth_callback
def callback(request: HttpRequest) -> HttpResponse:
    """Check what Discord sent back, in a fixed order (state, access_denied, guild_id,
    permissions: botinstall/README.md), exchange the code, and report it to the person.

    Nothing about the server is stored: the bot learns it from the gateway, and the success
    page waits for that (installed.status) before it says the bot is in.
    """
    state = consume_callback_state(request, purpose=OAuthState.Purpose.BOT_INSTALL)
    guild_id = parse_discord_id(request.GET.get("guild_id"))
    if guild_id is None:
        raise AuthorizationFailed("invalid_guild_id")
    requested = int(state.data.get("permissions", settings.DISCORD_BOT_PERMISSIONS))
    granted = None
    if "permissions" in request.GET:
        granted = parse_permissions(request.GET["permissions"])
        # Discord's consent screen can only take permissions away, never add any.
        if granted is None or granted & ~requested:
            raise AuthorizationFailed("invalid_permissions")
    guild_id, guild_name, accepted = _exchange(request, guild_id)
    outcome = installed.bot_installed(
        guild_id=guild_id,
        guild_name=guild_name,
        accepted=accepted,
        requested=requested,
        granted=granted,
    )
    outcomes.keep(request.session, "bot_installed", outcome)
    installed.watch(request.session, guild_id)
    if request.user.is_authenticated and request.session.session_key:
        Session.objects.mark_server_list_stale(request.session.session_key)
    logger.info("Bot authorized for server %s (accepted=%s)", guild_id, accepted)
    return redirect(f"{reverse('accounts:success')}?message=bot_installed")


def _exchange(request: HttpRequest, guild_id: int) -> tuple[int, str | None, bool]:
    """Exchange the code: (server id, its name, whether Discord accepted the install).

    With "Requires OAuth2 Code Grant" on, Discord adds the bot only at this exchange: no
    code, or a code Discord refuses, is a failed install. Discord unreachable is "not
    confirmed yet", never "added". With it off the bot joined at Authorize, and a failed
    exchange only leaves the server unnamed. The tokens are dropped, not revoked: Discord
    keeps one authorization per person and application, and revoking it would also sign the
    person out of the site.
    """
    code_grant = installed.requires_code_grant()
    code = request.GET.get("code")
    if not code or not discord_configured():
        if code_grant:
            logger.warning("Bot authorization for server %s came back without a code", guild_id)
            raise AuthorizationFailed("login_failed")
        return guild_id, None, True
    try:
        grant = discord_api.exchange_code(code, redirect_uri=_redirect_uri(request))
    except (discord_api.DiscordUnavailable, discord_api.DiscordRateLimited) as exc:
        logger.warning("Bot authorization code exchange failed: %s (status %s)", exc, exc.status)
        return guild_id, None, not code_grant
    except discord_api.DiscordError as exc:
        logger.warning("Bot authorization code exchange failed: %s (status %s)", exc, exc.status)
        if code_grant:
            raise AuthorizationFailed("login_failed") from None
        return guild_id, None, True
    if grant.guild_id is None:
        return guild_id, None, True
    if grant.guild_id != guild_id:
        logger.warning("Bot callback named server %s, the code grant %s", guild_id, grant.guild_id)
    return grant.guild_id, grant.guild_name, True


@require_safe
def status(request: HttpRequest) -> JsonResponse:
    """Whether the bot is in a server this browser just installed it in (the success page
    polls this until the gateway's GUILD_CREATE reaches the Guild table)."""
    guild_id = parse_discord_id(request.GET.get("guild_id"))
    if guild_id is None or not installed.watched(request.session, guild_id):
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse(installed.status(guild_id))
