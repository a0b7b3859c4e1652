"""A bot install's outcome as /auth/success/ shows it: the server, what each permission the
person took away on Discord's consent screen breaks, and whether the bot is in yet."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_noop

from fightrise import discord_api
from fightrise.permissions import FLAGS, LABELS, names
from guildbot.models import Guild

logger = logging.getLogger(__name__)

CODE_GRANT_KEY = "discord:app:bot-require-code-grant"
CODE_GRANT_TTL = 3600
CODE_GRANT_RETRY = 60  # seconds before asking Discord again after it could not be asked
# Session key of the servers this browser installed the bot in, which status() may report.
WATCH_KEY = "bot_install_watch"
MAX_WATCHED = 5

# What FightRise cannot do in a server without each permission it asks for. The outcome keeps
# them in English (it is JSON in the session); the success page translates them as it shows
# them, and the names of these permissions as Discord's client shows them (LABELS) too.
EFFECTS = {
    "VIEW_CHANNEL": gettext_noop("It cannot see your channels, so it cannot post anywhere."),
    "SEND_MESSAGES": gettext_noop("It cannot post announcements or call matches."),
    "EMBED_LINKS": gettext_noop("Brackets and results show as plain text instead of cards."),
    "READ_MESSAGE_HISTORY": gettext_noop(
        "It cannot find its earlier posts to update brackets and results."
    ),
    "USE_APPLICATION_COMMANDS": gettext_noop(
        "Its /fightrise commands may not be offered to members."
    ),
    "MANAGE_THREADS": gettext_noop("It cannot archive or tidy match threads when a match ends."),
    "CREATE_PUBLIC_THREADS": gettext_noop("It cannot open a thread for each match."),
    "SEND_MESSAGES_IN_THREADS": gettext_noop("It cannot post in match threads."),
}
GENERIC_EFFECT = gettext_noop("Features that need this permission will not work.")
# fightrise.permissions.LABELS of the permissions in EFFECTS, marked for the catalogues
# (makemessages reads only literals; tests/botinstall/test_status.py holds the two together).
PERMISSION_NAMES = (
    gettext_noop("View Channels"),
    gettext_noop("Send Messages"),
    gettext_noop("Embed Links"),
    gettext_noop("Read Message History"),
    gettext_noop("Use Application Commands"),
    gettext_noop("Manage Threads"),
    gettext_noop("Create Public Threads"),
    gettext_noop("Send Messages in Threads"),
)


def bot_installed(
    *,
    guild_id: int,
    guild_name: str | None,
    accepted: bool,
    requested: int,
    granted: int | None,
) -> dict[str, Any]:
    """The outcome kept in the session for the success page (it cannot be forged from the
    URL). `accepted`: Discord took the install (the code exchange went through, or the bot
    joined at Authorize); otherwise Discord could not be asked and it is not confirmed yet.
    Either way the page says the bot is in only once the gateway says so (status_url)."""
    missing = requested & ~granted if granted is not None else 0
    return {
        "guild_id": str(guild_id),
        "guild_name": guild_name,
        "accepted": accepted,
        "missing": [
            {"label": LABELS[name], "effect": EFFECTS.get(name, GENERIC_EFFECT)}
            for name in names(missing)
            if name in FLAGS
        ],
        "retry_url": f"{reverse('botinstall:install')}?guild_id={guild_id}",
        "status_url": f"{reverse('botinstall:status')}?guild_id={guild_id}",
    }


def requires_code_grant() -> bool:
    """Whether the application has "Requires OAuth2 Code Grant" on.

    DISCORD_BOT_REQUIRE_CODE_GRANT says so when set; else Discord is asked with the bot token
    (GET /applications/@me) and the answer kept for an hour. Without a bot token, or while
    Discord cannot be asked, it is taken as on, which docs/DISCORD_SETUP.md asks for: a
    failed install is then never reported as a success.
    """
    if settings.DISCORD_BOT_REQUIRE_CODE_GRANT is not None:
        return settings.DISCORD_BOT_REQUIRE_CODE_GRANT
    known = cache.get(CODE_GRANT_KEY)
    if known is not None:
        return known
    if not settings.DISCORD_BOT_TOKEN:
        return True
    try:
        application = discord_api.get_current_application(settings.DISCORD_BOT_TOKEN)
    except discord_api.DiscordError as exc:
        logger.warning("Could not read the application's code grant switch: %s", exc)
        cache.set(CODE_GRANT_KEY, True, CODE_GRANT_RETRY)
        return True
    cache.set(CODE_GRANT_KEY, application.bot_require_code_grant, CODE_GRANT_TTL)
    return application.bot_require_code_grant


def watch(session: SessionBase, guild_id: int) -> None:
    """Let this browser ask status() about `guild_id` (the last few installs only)."""
    watched_ids = [gid for gid in session.get(WATCH_KEY, []) if gid != str(guild_id)]
    session[WATCH_KEY] = [*watched_ids, str(guild_id)][-MAX_WATCHED:]


def watched(session: SessionBase, guild_id: int) -> bool:
    return str(guild_id) in session.get(WATCH_KEY, [])


def status(guild_id: int) -> dict[str, Any]:
    """Whether the bot is in the server, from the Guild table the gateway keeps; with the
    server's settings page once it is."""
    guild = Guild.objects.present().filter(guild_id=guild_id).only("name").first()
    if guild is None:
        return {"guild_id": str(guild_id), "present": False, "name": None, "settings_url": None}
    return {
        "guild_id": str(guild_id),
        "present": True,
        "name": guild.name,
        "settings_url": reverse("dashboard:guild", args=[guild_id]),
    }
