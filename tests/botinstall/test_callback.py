"""/auth/callback/bot/ checks state, error, guild_id and permissions in that order."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import OAuthState, Session
from fightrise.snowflake import DISCORD_EPOCH_MS
from guildbot import models as guildbot_models
from tests import discord_payloads as p
from tests.conftest import state_from
from tests.fake_discord import BOT_REDIRECT_URI

pytestmark = pytest.mark.django_db

GUILD_ID = "613425648685547541"
REQUESTED = 328565083136
BOT_TOKEN_RESPONSE = {
    "token_type": "Bearer",
    "access_token": p.ACCESS_TOKEN,
    "scope": "bot applications.commands",
    "expires_in": 604800,
    "refresh_token": p.REFRESH_TOKEN,
    "guild": {
        "id": GUILD_ID,
        "name": "FightRise HQ",
        "owner_id": str(p.USER_ID),
        "roles": [],
        "features": [],
    },
}


def start(client: Client, **params) -> str:
    return state_from(client.get("/bot/install/", params))


def callback(client: Client, **params):
    return client.get("/auth/callback/bot/", params)


def error_of(response) -> str:
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/error/?error="), response["Location"]
    return response["Location"].split("=", 1)[1]


def succeeded(response) -> bool:
    return (
        response.status_code == 302
        and response["Location"] == "/auth/success/?message=bot_installed"
    )


def future_id(ahead: dt.timedelta = dt.timedelta(days=30)) -> str:
    """The id of a server made `ahead` of our clock."""
    when = dt.datetime.now(dt.UTC) + ahead
    return str((int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)


@pytest.fixture(autouse=True)
def code_grant_off(settings):
    """Most tests here check the query; "Requires OAuth2 Code Grant" is theirs to switch on."""
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = False


def test_it_ends_on_the_success_page_naming_the_server_from_the_code_grant(
    client, fake_discord, settings
):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = True
    state = start(client)
    fake_discord.token_exchange(
        verifier=None, redirect_uri=BOT_REDIRECT_URI, json=BOT_TOKEN_RESPONSE
    )
    response = callback(
        client, code=p.CODE, state=state, guild_id=GUILD_ID, permissions=str(REQUESTED)
    )
    assert succeeded(response)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Discord accepted FightRise for FightRise HQ" in body
    assert "Waiting for the bot to join FightRise HQ" in body
    assert f'data-status-url="/bot/install/status/?guild_id={GUILD_ID}"' in body
    assert "fewer permissions" not in body


def test_the_success_page_never_says_the_bot_is_in_before_the_gateway_does(client, fake_discord):
    state = start(client)
    fake_discord.token_exchange(
        verifier=None, redirect_uri=BOT_REDIRECT_URI, json=BOT_TOKEN_RESPONSE
    )
    body = client.get(callback(client, code=p.CODE, state=state, guild_id=GUILD_ID)["Location"])
    body = body.content.decode()
    # The "is in" wording is there only hidden, for the page's script to reveal once the
    # status endpoint says the Guild row is present.
    assert '<div class="install-joined" hidden>' in body
    assert "was added" not in body


def test_without_a_code_grant_required_and_no_code_it_succeeds_naming_the_server_by_id(client):
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=GUILD_ID, permissions=str(REQUESTED)))
    body = client.get("/auth/success/?message=bot_installed").content.decode()
    assert "Discord accepted FightRise for your server" in body
    assert GUILD_ID in body


def test_with_the_code_grant_required_no_code_is_a_failed_install(client, settings):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = True
    state = start(client)
    assert error_of(callback(client, state=state, guild_id=GUILD_ID)) == "login_failed"
    assert "oauth_outcome" not in client.session


@pytest.mark.parametrize(
    "refusal",
    [
        {"status": 400, "json": {"error": "invalid_grant"}},
        {"status": 401, "json": {"error": "invalid_client"}},
        {"status": 200, "body": "not json"},
    ],
)
def test_with_the_code_grant_required_a_refused_exchange_is_a_failed_install(
    client, fake_discord, settings, refusal
):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = True
    state = start(client)
    fake_discord.token_exchange(
        verifier=None, code="bogus", redirect_uri=BOT_REDIRECT_URI, **refusal
    )
    response = callback(client, code="bogus", state=state, guild_id=GUILD_ID)
    assert error_of(response) == "login_failed"


@pytest.mark.parametrize(
    "outage",
    [
        {"status": 500, "json": {}},
        {"status": 503, "body": "down"},
        {"body": requests.Timeout("slow")},
    ],
)
def test_with_discord_unreachable_the_install_is_not_confirmed_never_added(
    client, fake_discord, settings, outage
):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = True
    state = start(client)
    fake_discord.token_exchange(verifier=None, redirect_uri=BOT_REDIRECT_URI, **outage)
    response = callback(client, code=p.CODE, state=state, guild_id=GUILD_ID)
    assert succeeded(response)
    body = client.get(response["Location"]).content.decode()
    assert "Discord has not confirmed it yet" in body
    assert "accepted" not in body and "was added" not in body


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {}},
        {"status": 400, "json": {"error": "invalid_grant"}},
        {"body": requests.Timeout("slow")},
        {"body": "not json"},
    ],
)
def test_without_the_code_grant_a_failed_exchange_is_logged_and_still_succeeds(
    client, fake_discord, failure, caplog
):
    # Discord added the bot at Authorize; the exchange could only have named the server.
    state = start(client)
    fake_discord.token_exchange(verifier=None, redirect_uri=BOT_REDIRECT_URI, **failure)
    response = callback(client, code=p.CODE, state=state, guild_id=GUILD_ID)
    assert succeeded(response)
    assert GUILD_ID in client.get(response["Location"]).content.decode()
    assert "code exchange failed" in caplog.text


def test_the_code_grant_switch_is_read_from_discord_once_and_kept(client, fake_discord, settings):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = None
    fake_discord.application(bot_require_code_grant=True)
    for _ in range(2):
        state = start(client)
        assert error_of(callback(client, state=state, guild_id=GUILD_ID)) == "login_failed"
    assert [call.request.url for call in fake_discord.calls].count(
        "https://discord.com/api/v10/applications/@me"
    ) == 1
    assert (
        fake_discord.calls[0].request.headers["Authorization"]
        == f"Bot {settings.DISCORD_BOT_TOKEN}"
    )


def test_the_switch_off_at_discord_lets_an_install_without_a_code_succeed(
    client, fake_discord, settings
):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = None
    fake_discord.application(bot_require_code_grant=False)
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=GUILD_ID))


@pytest.mark.parametrize("token", ["", "a-bot-token-discord-is-down-for"])
def test_the_switch_is_taken_as_on_when_discord_cannot_tell(client, fake_discord, settings, token):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = None
    settings.DISCORD_BOT_TOKEN = token
    if token:
        fake_discord.application(status=503)
    state = start(client)
    assert error_of(callback(client, state=state, guild_id=GUILD_ID)) == "login_failed"


def test_the_code_grants_guild_wins_over_the_query(client, fake_discord, caplog):
    state = start(client)
    other = {
        **BOT_TOKEN_RESPONSE,
        "guild": {**BOT_TOKEN_RESPONSE["guild"], "id": "709158235487862816", "name": "Pixel Arena"},
    }
    fake_discord.token_exchange(verifier=None, redirect_uri=BOT_REDIRECT_URI, json=other)
    response = callback(client, code=p.CODE, state=state, guild_id=GUILD_ID)
    assert "Pixel Arena" in client.get(response["Location"]).content.decode()
    assert "the code grant 709158235487862816" in caplog.text


def test_fewer_permissions_are_listed_with_what_they_break(client):
    state = start(client)
    granted = REQUESTED & ~(1 << 11) & ~(1 << 14)  # without Send Messages and Embed Links
    callback(client, state=state, guild_id=GUILD_ID, permissions=str(granted))
    body = client.get("/auth/success/?message=bot_installed").content.decode()
    assert "fewer permissions than FightRise asked for" in body
    assert "Send Messages</strong>: It cannot post announcements" in body
    assert "Embed Links</strong>: Brackets and results show as plain text" in body
    assert "View Channels</strong>" not in body
    assert f"/bot/install/?guild_id={GUILD_ID}" in body


def test_it_stores_nothing_about_the_server(client):
    state = start(client)
    callback(client, state=state, guild_id=GUILD_ID)
    assert not guildbot_models.Guild.objects.exists()


def test_a_signed_in_persons_server_list_is_marked_stale(client, sign_in):
    key = sign_in(client)
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=GUILD_ID))
    assert Session.objects.get(session_key=client.session.session_key).guilds_stale is True
    assert client.session.session_key == key


def test_another_browser_does_not_see_my_outcome(client):
    state = start(client)
    callback(client, state=state, guild_id=GUILD_ID)
    assert GUILD_ID not in Client().get("/auth/success/?message=bot_installed").content.decode()


# State, in every way it can be wrong.


def test_a_missing_state_is_refused(client):
    start(client)
    assert error_of(callback(client, guild_id=GUILD_ID)) == "invalid_state"


def test_a_forged_state_is_refused(client):
    start(client)
    assert error_of(callback(client, state="x" * 43, guild_id=GUILD_ID)) == "invalid_state"


def test_an_expired_state_is_refused(client):
    state = start(client)
    OAuthState.objects.filter(state=state).update(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    assert error_of(callback(client, state=state, guild_id=GUILD_ID)) == "invalid_state"


def test_a_replayed_state_is_refused(client):
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=GUILD_ID))
    assert error_of(callback(client, state=state, guild_id=GUILD_ID)) == "invalid_state"


def test_a_state_from_another_browser_is_refused(client):
    state = start(client)
    assert error_of(callback(Client(), state=state, guild_id=GUILD_ID)) == "invalid_state"


def test_a_login_state_is_refused(client):
    login_state = state_from(client.get("/auth/login/"))
    assert error_of(callback(client, state=login_state, guild_id=GUILD_ID)) == "invalid_state"


def test_the_login_callback_refuses_a_bot_state(client):
    state = start(client)
    assert client.get("/auth/callback/", {"state": state, "code": p.CODE})["Location"] == (
        "/auth/error/?error=invalid_state"
    )


# Then the person's answer, the server and the permissions.


def test_it_handles_access_denied(client):
    state = start(client)
    response = callback(
        client,
        state=state,
        error="access_denied",
        error_description="The resource owner or authorization server denied the request",
    )
    assert error_of(response) == "access_denied"


def test_state_is_checked_before_access_denied(client):
    start(client)
    assert error_of(callback(client, state="y" * 43, error="access_denied")) == "invalid_state"


def test_access_denied_is_checked_before_the_server(client):
    state = start(client)
    assert (
        error_of(callback(client, state=state, error="access_denied", guild_id="abc"))
        == "access_denied"
    )


@pytest.mark.parametrize(
    "guild_id",
    [
        "abc",
        "123",
        "1" * 16,
        "1" * 21,
        str(2**64),
        "",
        "613425648685547541 ",
        "-613425648685547541",
    ],
)
def test_a_bad_guild_id_is_refused(client, guild_id):
    state = start(client)
    assert error_of(callback(client, state=state, guild_id=guild_id)) == "invalid_guild_id"


@pytest.mark.parametrize("ahead", [dt.timedelta(minutes=2), dt.timedelta(days=30)])
def test_a_guild_id_from_the_future_is_refused(client, ahead):
    state = start(client)
    assert error_of(callback(client, state=state, guild_id=future_id(ahead))) == "invalid_guild_id"


def test_a_server_made_by_a_clock_up_to_a_minute_ahead_of_ours_is_accepted(client):
    """Discord's clock is not ours: a server made a moment ago on Discord's side may carry a
    timestamp ahead of our clock (design: at most a minute)."""
    state = start(client)
    guild_id = future_id(dt.timedelta(seconds=30))
    assert succeeded(callback(client, state=state, guild_id=guild_id))


def test_a_missing_guild_id_is_refused(client):
    state = start(client)
    assert error_of(callback(client, state=state)) == "invalid_guild_id"


@pytest.mark.parametrize(
    "guild_id", ["41771983423143937", "613425648685547541", "1300000000000000001"]
)
def test_valid_17_18_and_19_digit_ids_are_accepted(client, guild_id):
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=guild_id))


@pytest.mark.parametrize(
    "permissions", ["-1", "abc", str(2**64), "", "1.5", "0x20", str(REQUESTED | 8)]
)
def test_bad_permissions_are_refused(client, permissions):
    state = start(client)
    assert (
        error_of(callback(client, state=state, guild_id=GUILD_ID, permissions=permissions))
        == "invalid_permissions"
    )


@pytest.mark.parametrize("permissions", ["0", str(REQUESTED), str(1 << 10)])
def test_valid_permissions_are_accepted(client, permissions):
    state = start(client)
    assert succeeded(callback(client, state=state, guild_id=GUILD_ID, permissions=permissions))


def test_permissions_are_checked_against_what_this_invite_asked_for(client, settings):
    state = start(client)
    settings.DISCORD_BOT_PERMISSIONS = REQUESTED | 8  # changed after the invite went out
    assert (
        error_of(callback(client, state=state, guild_id=GUILD_ID, permissions=str(REQUESTED | 8)))
        == "invalid_permissions"
    )


def test_the_state_is_gone_after_any_outcome(client):
    state = start(client)
    callback(client, state=state, guild_id="abc")
    assert not OAuthState.objects.filter(state=state).exists()


junk = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=500, max_size=3000),
    st.just("\x00"),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.from_regex(r"[0-9]{17,20}", fullmatch=True),
)


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(state=junk, guild_id=junk, permissions=junk, error=junk, code=junk)
def test_fuzzed_parameters_never_cause_a_500(client, state, guild_id, permissions, error, code):
    params = {
        name: value
        for name, value in (
            ("state", state),
            ("guild_id", guild_id),
            ("permissions", permissions),
            ("error", error),
            ("code", code),
        )
        if value is not None
    }
    response = client.get("/auth/callback/bot/", params)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/error/?error=")


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(guild_id=junk, permissions=junk)
def test_fuzzed_values_after_a_real_state_never_cause_a_500(client, guild_id, permissions):
    cache.clear()  # each example starts an install; stay under the per-address limit
    state = start(client)
    params = {"state": state}
    if guild_id is not None:
        params["guild_id"] = guild_id
    if permissions is not None:
        params["permissions"] = permissions
    response = client.get("/auth/callback/bot/", params)
    assert response.status_code == 302
    assert response["Location"].startswith(("/auth/error/?error=", "/auth/success/"))
    assert client.get(response["Location"]).status_code == 200


def test_the_outcome_is_shown_once(client):
    state = start(client)
    callback(client, state=state, guild_id=GUILD_ID)
    assert GUILD_ID in client.get("/auth/success/?message=bot_installed").content.decode()
    assert GUILD_ID not in client.get("/auth/success/?message=bot_installed").content.decode()
