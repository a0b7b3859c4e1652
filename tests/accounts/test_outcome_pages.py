"""The pages every OAuth flow ends on: /auth/error/ in plain words, /auth/success/ from the
session only."""

from __future__ import annotations

import pytest

from accounts.outcomes import ERRORS

GUILD_ID = "741568419182153728"


def test_the_error_page_explains_in_plain_words(client):
    for code in ["invalid_state", "access_denied", "missing_code", "discord_unavailable"]:
        page = client.get("/auth/error/", {"error": code})
        assert page.status_code == 200
        assert "Log in with Discord again" in page.content.decode()


def test_the_error_page_never_echoes_an_unknown_code(client):
    page = client.get("/auth/error/", {"error": "<script>alert('x')</script>"})
    body = page.content.decode()
    assert "Something went wrong" in body
    assert "alert" not in body


@pytest.mark.parametrize(
    "code",
    [
        "invalid_state",
        "access_denied",
        "invalid_guild_id",
        "invalid_permissions",
        "discord_unavailable",
        "rate_limited",
        "login_failed",
        "missing_code",
    ],
)
def test_each_error_code_has_its_own_words(client, code):
    body = client.get("/auth/error/", {"error": code}).content.decode()
    assert str(ERRORS[code][0]) in body
    assert "Back to the start" in body


def test_the_success_page_cannot_be_forged_from_the_url(client):
    page = client.get(
        "/auth/success/", {"message": "bot_installed", "guild_name": "Evil", "guild_id": GUILD_ID}
    )
    body = page.content.decode()
    assert "Evil" not in body and GUILD_ID not in body
    assert page.status_code == 200
