"""What the success and error pages say: a message per code and per missing permission."""

from __future__ import annotations

from typing import Any

from fightrise.permissions import FLAGS, LABELS, names

SESSION_KEY = "bot_install"

ERRORS = {
    "invalid_state": (
        "That link has expired",
        "It was already used, is more than ten minutes old, or was started in another browser. "
        "Nothing happened to your account. Please start again from this browser.",
    ),
    "access_denied": (
        "You cancelled on Discord",
        "Discord told us you pressed Cancel, so nothing was shared or added. You can try "
        "again whenever you like.",
    ),
    "missing_code": (
        "Discord did not finish the sign-in",
        "Discord sent you back without an authorization code. Please try again.",
    ),
    "invalid_guild_id": (
        "That server does not look right",
        "Discord sent back a server id we cannot accept, so we did nothing with it. "
        "Please add the bot again from your dashboard.",
    ),
    "invalid_permissions": (
        "Those permissions do not look right",
        "Discord sent back permissions that do not match what we asked for, so we ignored "
        "them. Please add the bot again from your dashboard.",
    ),
    "discord_unavailable": (
        "Discord is not answering right now",
        "Discord timed out or had an error on its side. Please try again in a minute.",
    ),
    "rate_limited": (
        "Too many attempts for now",
        "Discord, or we, asked for a short pause. Please wait a minute and try again.",
    ),
    "login_failed": (
        "We could not sign you in",
        "Something went wrong between us and Discord. It has been logged; please try again.",
    ),
}
UNKNOWN_ERROR = ("Something went wrong", "Please start again from the beginning.")

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

SUCCESS = {
    "bot_installed": "FightRise was added",
    "logged_out": "You are logged out",
}


def bot_installed(
    *, guild_id: int, guild_name: str | None, requested: int, granted: int | None
) -> dict[str, Any]:
    """What the success page shows, kept in the session (it cannot be forged from the URL).

    With a name, the code grant confirmed the server; without, Discord only hinted at it.
    """
    return {
        "guild_id": str(guild_id),
        "guild_name": guild_name,
        "confirmed": guild_name is not None,
        "requested": str(requested),
        "granted": None if granted is None else str(granted),
    }


def success_context(message: str, outcome: dict[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {"title": SUCCESS.get(message, "Done"), "outcome": outcome}
    if outcome and outcome.get("granted") is not None:
        missing = int(outcome["requested"]) & ~int(outcome["granted"])
        context["missing"] = [
            {"label": LABELS[name], "effect": EFFECTS.get(name, GENERIC_EFFECT)}
            for name in names(missing)
            if name in FLAGS
        ]
    return context
