"""What the pages every OAuth flow ends on say: /auth/error/ in plain words for each error
code, and /auth/success/ with the outcome the flow left in this browser's session. The words
are translated as the page is shown (gettext_lazy), in the person's language."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext_lazy as _

# Session key of the outcome a callback leaves for the success page (it cannot be forged
# from the URL, and another browser never sees it).
SESSION_KEY = "oauth_outcome"

ERRORS = {
    "invalid_state": (
        _("That link has expired"),
        _(
            "It was already used, is more than ten minutes old, or was started in another "
            "browser. Nothing happened to your account. Please start again from this browser."
        ),
    ),
    "access_denied": (
        _("You cancelled on Discord"),
        _(
            "Discord told us you pressed Cancel, so nothing was shared or added. You can try "
            "again whenever you like."
        ),
    ),
    "missing_code": (
        _("Discord did not finish the sign-in"),
        _("Discord sent you back without an authorization code. Please try again."),
    ),
    "invalid_guild_id": (
        _("That server does not look right"),
        _(
            "Discord sent back a server id we cannot accept, so we did nothing with it. "
            "Please add the bot again from your dashboard."
        ),
    ),
    "invalid_permissions": (
        _("Those permissions do not look right"),
        _(
            "Discord sent back permissions that do not match what we asked for, so we ignored "
            "them. Please add the bot again from your dashboard."
        ),
    ),
    "discord_unavailable": (
        _("Discord is not answering right now"),
        _("Discord timed out or had an error on its side. Please try again in a minute."),
    ),
    "rate_limited": (
        _("Too many attempts for now"),
        _("Discord, or we, asked for a short pause. Please wait a minute and try again."),
    ),
    "login_failed": (
        _("Discord did not let us finish"),
        _(
            "Something went wrong between us and Discord, so nothing was changed. It has been "
            "logged; please try again."
        ),
    ),
}
UNKNOWN_ERROR = (_("Something went wrong"), _("Please start again from the beginning."))

SUCCESS = {"bot_installed": _("Adding FightRise to your server")}


def error_context(code: str) -> dict[str, str]:
    """The page for an error code; an unknown code gets a generic page, never its echo."""
    title, explanation = ERRORS.get(code, UNKNOWN_ERROR)
    return {"title": title, "explanation": explanation}


def keep(session: SessionBase, message: str, outcome: dict[str, Any]) -> None:
    """Leave `outcome` (JSON-able) for the success page of `message`, shown once."""
    session[SESSION_KEY] = {"message": message, **outcome}


def success_context(session: SessionBase, message: str) -> dict[str, Any]:
    """The success page for `message`, with the outcome this browser's flow left for it,
    taken from the session: a later visit must not report an old outcome as news."""
    outcome = None
    if message in SUCCESS and session.get(SESSION_KEY, {}).get("message") == message:
        outcome = session.pop(SESSION_KEY)
    return {"title": SUCCESS.get(message, _("Done")), "message": message, "outcome": outcome}
