"""The end of every OAuth flow: human pages for success and for each error code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

ERRORS = {
    "invalid_state": (
        "That sign-in link has expired",
        "It was already used, is more than ten minutes old, or was started in another browser. "
        "Nothing happened to your account. Start again from this browser.",
    ),
    "access_denied": (
        "You cancelled on Discord",
        "Discord told us you pressed Cancel, so we received nothing. You can try again "
        "whenever you like.",
    ),
    "missing_code": (
        "Discord did not finish the sign-in",
        "Discord sent you back without an authorization code. Please try again.",
    ),
    "invalid_guild_id": (
        "That server does not look right",
        "Discord sent back a server id we could not accept, so we did nothing with it. "
        "Please add the bot again from your dashboard.",
    ),
    "invalid_permissions": (
        "Those permissions do not look right",
        "Discord sent back permissions that do not match what the invite asked for, so we "
        "ignored them. Please add the bot again from your dashboard.",
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
UNKNOWN = ("Something went wrong", "Please try again from the start.")


@require_GET
def error(request: HttpRequest) -> HttpResponse:
    """A plain-words page for each error code; an unknown code is never echoed back."""
    title, explanation = ERRORS.get(request.GET.get("error", ""), UNKNOWN)
    context = {"title": title, "explanation": explanation}
    return render(request, "botinstall/error.html", context)
