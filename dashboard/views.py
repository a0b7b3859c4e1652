"""The signed-in pages: profile and servers, refresh from Discord."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import discord_login_required
from accounts.models import GrantRevoked, Session
from fightrise import discord_api

logger = logging.getLogger(__name__)


@require_GET
@discord_login_required
def index(request: HttpRequest) -> HttpResponse:
    row = request.session.row
    return render(request, "dashboard/index.html", {"guilds": row.guilds if row else []})


@require_POST
@discord_login_required
def refresh(request: HttpRequest) -> HttpResponse:
    key = request.session.session_key
    try:
        token = Session.objects.fresh_access_token(key)
        guilds = discord_api.get_current_user_guilds(token)
    except discord_api.DiscordUnauthorized as exc:
        raise GrantRevoked("Discord refused the access token") from exc
    except discord_api.DiscordError as exc:
        messages.error(request, "Discord did not answer; showing your last known servers.")
        logger.warning("Server list refresh failed: %s", exc)
    else:
        Session.objects.store_guilds(key, guilds)
        messages.success(request, "Server list refreshed.")
    return redirect("dashboard:index")
