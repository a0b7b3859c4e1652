"""The signed-in pages: profile and servers, refresh from Discord, the bot's settings."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import server_list
from accounts.decorators import discord_login_required
from dashboard import servers
from dashboard.forms import GuildConfigForm
from fightrise.snowflake import parse_discord_id
from guildbot.models import Guild, GuildConfig, ShardHeartbeat
from tournaments.models import Tournament

logger = logging.getLogger(__name__)

PROBLEMS = {
    "rate_limited": gettext_lazy(
        "Discord asked us to slow down, so your server list may be out of date."
    ),
    "discord_unavailable": gettext_lazy(
        "Discord is not answering, so your server list may be out of date."
    ),
    "refresh_in_progress": gettext_lazy(
        "Your server list is still being fetched from Discord. "
        "Reload the page in a moment to see it."
    ),
    server_list.UNREADABLE: gettext_lazy(
        "We could not use your Discord sign-in just now, so your server "
        "list may be out of date. It has been logged; please try again later."
    ),
    server_list.TOO_MANY: gettext_lazy(
        "You have refreshed your server list many times in a row. "
        "Please wait a few minutes before refreshing it again."
    ),
}
OTHER_PROBLEM = gettext_lazy("Discord did not give us your server list, so it may be out of date.")
UNCONFIRMED = gettext_lazy(
    "We could not confirm with Discord that you still manage that server. "
    "Please try again in a minute."
)


def _recent() -> str:
    seconds = server_list.REFRESH_COOLDOWN
    return ngettext(
        "Your server list came from Discord less than %(seconds)d second ago, so we did not "
        "ask again.",
        "Your server list came from Discord less than %(seconds)d seconds ago, so we did not "
        "ask again.",
        seconds,
    ) % {"seconds": seconds}


@require_safe
@discord_login_required
def index(request: HttpRequest) -> HttpResponse:
    stored = server_list.current(request)
    rows = servers.ServerRows.load(stored.guilds)
    # The rows are cached per list and presence: rendering 200 of them is most of the page.
    session = server_list.cache_id(request.session.session_key)
    fragment = [session, stored.version, rows.presence_version]
    context = {
        "servers": rows,
        "fragment": ":".join(fragment),
        "server_list": stored,
        "problem": PROBLEMS.get(stored.problem, OTHER_PROBLEM) if stored.problem else None,
    }
    return render(request, "dashboard/index.html", context)


@require_POST
@discord_login_required
def refresh(request: HttpRequest) -> HttpResponse:
    problem = server_list.refresh_now(request)
    if problem == server_list.RECENT:
        messages.info(request, _recent())
    elif problem:
        messages.warning(request, PROBLEMS.get(problem, OTHER_PROBLEM))
    else:
        messages.success(request, gettext("Your server list is up to date."))
    return redirect("dashboard:index")


@require_http_methods(["GET", "HEAD", "POST"])
@discord_login_required
def guild_settings(request: HttpRequest, guild_id: str) -> HttpResponse:
    """The bot's settings for a server this person may manage and the bot is in; else 404."""
    snowflake = parse_discord_id(guild_id)
    if snowflake is None:
        raise Http404("No such server")
    # A change needs a list at most a minute old; showing the form, one of GUILDS_MAX_AGE.
    max_age = server_list.CONFIRM_MAX_AGE if request.method == "POST" else settings.GUILDS_MAX_AGE
    guilds = server_list.confirmed_guilds(request, max_age=max_age)
    if guilds is None:
        messages.warning(request, UNCONFIRMED)
        return redirect("dashboard:index")
    entry = servers.find(guilds, snowflake)
    if entry is None or not entry.manageable:
        raise Http404("No such server")
    guild = Guild.objects.present().filter(guild_id=snowflake).first()
    if guild is None:
        raise Http404("The bot is not in this server")
    config = GuildConfig.objects.for_guild(guild)
    form = GuildConfigForm(request.POST or None, instance=config, guild=guild)
    if request.method == "POST" and form.is_valid():
        form.save()
        logger.info("User %s changed the settings of server %s", request.user.discord_id, snowflake)
        messages.success(
            request, gettext("Settings for %(server)s saved.") % {"server": guild.name}
        )
        return redirect("dashboard:guild", guild_id=snowflake)
    context = {
        "entry": entry,
        "guild": guild,
        "form": form,
        "tournaments": Tournament.objects.listing(guild),
        "time_zone": config.timezone,
        "bot_online": ShardHeartbeat.objects.online(guild.guild_id),
    }
    return render(request, "dashboard/guild.html", context)
