"""The Discord client: exact URLs, timeouts, typed errors, one wait for a short 429."""

from __future__ import annotations

import math
import threading
import tomllib

import pytest
import requests

import fightrise
from discordsim.server import USER_AGENT_RE
from fightrise import discord_api
from tests import discord_payloads as p
from tests.fake_discord import LOGIN_REDIRECT_URI, json_answer
from tests.servers import BASE_DIR


def guild(n: int) -> dict:
    return {
        "id": str(700000000000000000 + n),
        "name": f"Server {n}",
        "icon": None,
        "owner": False,
        "permissions": "0",
        "features": [],
    }


def test_it_reads_the_user(fake_discord):
    fake_discord.me()
    user = discord_api.get_current_user(p.ACCESS_TOKEN)
    assert user == discord_api.DiscordUser(
        id=p.USER_ID,
        username="nelly",
        global_name="Nelly",
        discriminator="0",
        avatar=p.USER["avatar"],
    )


def test_it_keeps_64_bit_permissions_exact(fake_discord):
    value = str(2**64 - 1)
    fake_discord.guilds(json=[{**guild(1), "permissions": value}])
    (only,) = discord_api.get_current_user_guilds(p.ACCESS_TOKEN)
    assert only.permissions == 2**64 - 1
    assert only.to_json()["permissions"] == value


def test_it_reads_a_full_page_of_200_servers_in_one_call(fake_discord):
    """Docs: resources/user, Get Current User Guilds: 200 is the most servers a person can
    be in and the default page, so "pagination is not needed"; a second page would add a
    whole round trip to the login of anyone in 200 servers."""
    fake_discord.guilds(json=[guild(n) for n in range(200)])
    guilds = discord_api.get_current_user_guilds(p.ACCESS_TOKEN)
    assert len(guilds) == 200
    assert len(fake_discord.calls) == 1


def test_it_fetches_the_user_and_the_servers_at_the_same_time(fake_discord):
    both_in_flight = threading.Barrier(2, timeout=5)

    def answer(body):
        def callback(request):
            both_in_flight.wait()  # raises BrokenBarrierError if the calls were sequential
            return json_answer(200, body)

        return callback

    fake_discord.mock.add_callback("GET", p.ME_URL, callback=answer(p.USER))
    fake_discord.mock.add_callback("GET", p.GUILDS_URL, callback=answer(p.GUILDS))
    user, guilds = discord_api.get_user_and_guilds(p.ACCESS_TOKEN)
    assert user.id == p.USER_ID
    assert len(guilds) == len(p.GUILDS)


def test_every_call_has_a_short_connect_timeout_and_a_read_timeout(fake_discord, settings):
    """requests takes (connect, read): a Discord that does not accept connections fails fast."""
    settings.DISCORD_CONNECT_TIMEOUT = 1.5
    settings.DISCORD_TIMEOUT = 4.5
    fake_discord.me()
    discord_api.get_current_user(p.ACCESS_TOKEN)
    assert fake_discord.calls[0].request.req_kwargs["timeout"] == (1.5, 4.5)


def test_the_connect_timeout_is_never_longer_than_the_call_allows(fake_discord, settings):
    settings.DISCORD_CONNECT_TIMEOUT = 5
    fake_discord.revoke()
    discord_api.revoke_token(p.REFRESH_TOKEN, token_type_hint="refresh_token")
    timeout = discord_api.REVOKE_TIMEOUT
    assert fake_discord.calls[0].request.req_kwargs["timeout"] == (timeout, timeout)


def test_it_names_itself_as_discord_asks_on_every_call(fake_discord):
    # Reference > User Agent: "DiscordBot ($url, $versionNumber)", more may follow.
    expected = f"DiscordBot ({fightrise.HOMEPAGE}, {fightrise.__version__}) FightRise-web "
    fake_discord.login(verifier=None)
    fake_discord.revoke()
    grant = discord_api.exchange_code(p.CODE, redirect_uri=LOGIN_REDIRECT_URI)
    discord_api.get_user_and_guilds(grant.access_token)
    discord_api.revoke_token(p.REFRESH_TOKEN, token_type_hint="refresh_token")
    assert len(fake_discord.calls) == 4
    for call in fake_discord.calls:
        assert call.request.headers["User-Agent"].startswith(expected)
    assert USER_AGENT_RE.match(discord_api.USER_AGENT)  # what discordsim holds it to


def test_its_version_and_homepage_are_the_projects():
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    assert fightrise.__version__ == project["version"]
    assert fightrise.HOMEPAGE == project["urls"]["Homepage"]


def test_it_waits_once_for_a_short_429_and_no_more(fake_discord, monkeypatch):
    waits = []
    monkeypatch.setattr(discord_api, "_sleep", waits.append)
    limited = {"message": "You are being rate limited.", "retry_after": 0.5, "global": False}
    fake_discord.me(status=429, json=limited)
    with pytest.raises(discord_api.DiscordRateLimited) as raised:
        discord_api.get_current_user(p.ACCESS_TOKEN)
    assert waits == [0.5]
    assert len(fake_discord.calls) == 2
    assert raised.value.retry_after == 0.5


def test_it_gives_up_at_once_on_a_long_429(fake_discord, monkeypatch):
    waits = []
    monkeypatch.setattr(discord_api, "_sleep", waits.append)
    fake_discord.me(status=429, json={"message": "slow down", "retry_after": 64.57, "global": True})
    with pytest.raises(discord_api.DiscordRateLimited) as raised:
        discord_api.get_current_user(p.ACCESS_TOKEN)
    assert waits == []
    assert (raised.value.retry_after, raised.value.is_global) == (64.57, True)
    assert raised.value.error_code == "rate_limited"


def test_it_reads_retry_after_from_the_header_when_the_body_has_none(fake_discord, monkeypatch):
    monkeypatch.setattr(discord_api, "_sleep", lambda seconds: None)
    fake_discord.me(status=429, body="", headers={"Retry-After": "30"})
    with pytest.raises(discord_api.DiscordRateLimited) as raised:
        discord_api.get_current_user(p.ACCESS_TOKEN)
    assert raised.value.retry_after == 30.0


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ('{"retry_after": Infinity, "global": true}', {}, discord_api.MAX_RETRY_AFTER),
        ('{"retry_after": 1e400, "global": true}', {}, discord_api.MAX_RETRY_AFTER),
        ('{"retry_after": NaN, "global": true}', {}, 1.0),
        ('{"retry_after": -5, "global": true}', {}, 0.0),
        ('{"retry_after": "soon", "global": true}', {}, 1.0),
        ("", {"Retry-After": "inf"}, discord_api.MAX_RETRY_AFTER),
    ],
)
def test_an_absurd_retry_after_becomes_a_bounded_pause(
    fake_discord, monkeypatch, body, headers, expected
):
    """However Discord (or a proxy in front of it) words the pause, it is a number we can
    sleep, cache and show: never infinite, never negative, never an OverflowError."""
    monkeypatch.setattr(discord_api, "_sleep", lambda seconds: None)
    fake_discord.refresh(status=429, json=None)
    fake_discord.mock.replace(
        "POST", p.TOKEN_URL, status=429, body=body, headers=headers, content_type="application/json"
    )
    with pytest.raises(discord_api.DiscordRateLimited) as raised:
        discord_api.refresh_grant(p.REFRESH_TOKEN)
    assert raised.value.retry_after == expected
    assert math.isfinite(raised.value.retry_after)


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (500, "", discord_api.DiscordUnavailable, "discord_unavailable"),
        (502, "<html>Bad gateway</html>", discord_api.DiscordUnavailable, "discord_unavailable"),
        (
            401,
            '{"message": "401: Unauthorized", "code": 0}',
            discord_api.DiscordUnauthorized,
            "login_failed",
        ),
        (
            403,
            '{"message": "Missing Access", "code": 50001}',
            discord_api.DiscordError,
            "login_failed",
        ),
        (200, "not json", discord_api.DiscordBadResponse, "login_failed"),
    ],
)
def test_it_types_failures(fake_discord, status, body, error, code):
    fake_discord.me(status=status, body=body)
    with pytest.raises(error) as raised:
        discord_api.get_current_user(p.ACCESS_TOKEN)
    assert raised.value.error_code == code


def test_a_rest_error_carries_discords_code(fake_discord):
    fake_discord.me(status=403, json={"message": "Missing Access", "code": 50001})
    with pytest.raises(discord_api.DiscordError) as raised:
        discord_api.get_current_user(p.ACCESS_TOKEN)
    assert (raised.value.status, raised.value.code) == (403, 50001)


def test_invalid_grant_is_its_own_error(fake_discord):
    fake_discord.refresh(
        status=400, json={"error": "invalid_grant", "error_description": "Invalid"}
    )
    with pytest.raises(discord_api.InvalidGrant):
        discord_api.refresh_grant(p.REFRESH_TOKEN)


@pytest.mark.parametrize(
    "failure", [requests.ConnectTimeout(), requests.ReadTimeout(), requests.ConnectionError()]
)
def test_network_failures_are_unavailability(fake_discord, failure):
    fake_discord.me(body=failure)
    with pytest.raises(discord_api.DiscordUnavailable):
        discord_api.get_current_user(p.ACCESS_TOKEN)


def test_it_reads_the_guild_of_a_bot_authorization(fake_discord):
    body = {
        **p.TOKEN_RESPONSE,
        "scope": "bot applications.commands",
        "guild": {"id": "613425648685547541", "name": "FightRise HQ"},
    }
    fake_discord.token_exchange(
        verifier=None, redirect_uri="http://testserver/auth/callback/bot/", json=body
    )
    grant = discord_api.exchange_code(p.CODE, redirect_uri="http://testserver/auth/callback/bot/")
    assert (grant.guild_id, grant.guild_name) == (613425648685547541, "FightRise HQ")
    assert grant.scope == ("bot", "applications.commands")


def test_the_authorize_url_joins_scopes_with_percent_20(settings):
    url = discord_api.authorize_url({"scope": "bot applications.commands", "state": "a/b"})
    assert (
        url == "https://discord.com/oauth2/authorize?scope=bot%20applications.commands&state=a%2Fb"
    )


def test_a_global_429_pauses_every_application_call(fake_discord):
    limited = {"message": "You are being rate limited.", "retry_after": 30.0, "global": True}
    fake_discord.refresh(status=429, json=limited)
    with pytest.raises(discord_api.DiscordRateLimited):
        discord_api.refresh_grant(p.REFRESH_TOKEN)
    # No registered response: a call to Discord now would fail the test.
    with pytest.raises(discord_api.DiscordRateLimited) as raised:
        discord_api.exchange_code(p.CODE, redirect_uri="http://testserver/auth/callback/")
    assert 29 < raised.value.retry_after <= 30
    assert raised.value.is_global


def test_a_per_route_429_pauses_nothing_else(fake_discord):
    limited = {"message": "You are being rate limited.", "retry_after": 30.0, "global": False}
    fake_discord.refresh(status=429, json=limited)
    with pytest.raises(discord_api.DiscordRateLimited):
        discord_api.refresh_grant(p.REFRESH_TOKEN)
    fake_discord.token_exchange(verifier=None)
    assert discord_api.exchange_code(p.CODE, redirect_uri="http://testserver/auth/callback/")


def test_it_never_keeps_cookies_between_calls(fake_discord):
    fake_discord.me(headers={"Set-Cookie": "__dcfduid=abc; Path=/; Domain=discord.com"})
    fake_discord.me()
    discord_api.get_current_user(p.ACCESS_TOKEN)
    discord_api.get_current_user(p.ACCESS_TOKEN)
    assert "Cookie" not in fake_discord.calls[1].request.headers


@pytest.mark.parametrize(
    "bad_id",
    ["1_000000000000000000", " 741568419182153728 ", "+741568419182153728", 741568419182153728],
)
def test_it_refuses_ids_that_are_not_snowflake_strings(fake_discord, bad_id):
    fake_discord.guilds(json=[{**guild(1), "id": bad_id}])
    with pytest.raises(discord_api.DiscordBadResponse):
        discord_api.get_current_user_guilds(p.ACCESS_TOKEN)


def test_the_call_budget_covers_connect_read_and_one_short_429(settings):
    settings.DISCORD_CONNECT_TIMEOUT = 1
    settings.DISCORD_TIMEOUT = 3
    assert discord_api.call_budget() == 2 * (1 + 3) + discord_api.MAX_RETRY_WAIT
    assert discord_api.call_budget(0.5) == 2 * (0.5 + 0.5) + discord_api.MAX_RETRY_WAIT
