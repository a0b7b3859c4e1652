"""A bot install's outcome as /auth/success/ shows it: the server, and what each permission
the person took away on Discord's consent screen breaks."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from fightrise.permissions import FLAGS, LABELS, names

# What FightRise cannot do in a server without each permission it asks for.
EFFECTS = {
    "VIEW_CHANNEL": "It cannot see your channels, so it cannot post anywhere.",
    "SEND_MESSAGES": "It cannot post announcements or call matches.",
    "EMBED_LINKS": "Brackets and results show as plain text instead of cards.",
    "READ_MESSAGE_HISTORY": "It cannot find its earlier posts to update brackets and results.",
    "USE_APPLICATION_COMMANDS": "Its /fightrise commands may not be offered to members.",
    "MANAGE_THREADS": "It cannot archive or tidy match threads when a match ends.",
    "CREATE_PUBLIC_THREADS": "It cannot open a thread for each match.",
    "SEND_MESSAGES_IN_THREADS": "It cannot post in match threads.",
}
GENERIC_EFFECT = "Features that need this permission will not work."


def bot_installed(
    *, guild_id: int, guild_name: str | None, requested: int, granted: int | None
) -> dict[str, Any]:
    """The outcome kept in the session for the success page (it cannot be forged from the
    URL). With a name, the code grant confirmed the server; without, Discord only hinted."""
    missing = requested & ~granted if granted is not None else 0
    return {
        "guild_id": str(guild_id),
        "guild_name": guild_name,
        "confirmed": guild_name is not None,
        "missing": [
            {"label": LABELS[name], "effect": EFFECTS.get(name, GENERIC_EFFECT)}
            for name in names(missing)
            if name in FLAGS
        ],
        "retry_url": f"{reverse('botinstall:install')}?guild_id={guild_id}",
    }
