"""Snowflakes: 17-20 digits, below 2**64, at most a minute ahead of our clock."""

from __future__ import annotations

import datetime as dt

import discord.utils
import pytest

from fightrise.snowflake import DISCORD_EPOCH_MS, parse_discord_id, shard_of, timestamp_ms

NOW_MS = int(dt.datetime(2026, 11, 21, tzinfo=dt.UTC).timestamp() * 1000)


def make(when: dt.datetime) -> int:
    return (int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


@pytest.mark.parametrize(
    "value",
    [
        "41771983423143937",  # 17 digits (2015)
        "613425648685547541",  # 18 digits
        "1300000000000000001",  # 19 digits
    ],
)
def test_it_accepts_valid_ids(value):
    assert parse_discord_id(value, now_ms=NOW_MS) == int(value)


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "123",
        "1" * 16,
        "1" * 21,
        str(2**64),
        "18446744073709551615",  # below 2**64, but its timestamp is in 2154
        str(make(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))),
        "",
        None,
        613425648685547541,
        "0613425648685547541",
        "-613425648685547541",
        " 613425648685547541",
        "613425648685547541\n",
        "６１３４２５６４８６８５５４７５４１",  # full-width digits
        "61342564868554754¹",
    ],
)
def test_it_refuses_anything_else(value):
    assert parse_discord_id(value, now_ms=NOW_MS) is None


def test_twenty_digit_ids_are_valid_once_their_time_has_come():
    twenty = str(make(dt.datetime(2091, 1, 1, tzinfo=dt.UTC)))
    assert len(twenty) == 20
    assert parse_discord_id(twenty, now_ms=NOW_MS) is None
    later = int(dt.datetime(2091, 1, 2, tzinfo=dt.UTC).timestamp() * 1000)
    assert parse_discord_id(twenty, now_ms=later) == int(twenty)


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [
        (dt.timedelta(0), True),
        (dt.timedelta(seconds=30), True),
        (dt.timedelta(minutes=1), True),
        (dt.timedelta(minutes=1, milliseconds=1), False),
        (dt.timedelta(minutes=2), False),
    ],
)
def test_discords_clock_may_run_up_to_a_minute_ahead_of_ours(ahead, accepted):
    now = dt.datetime.fromtimestamp(NOW_MS / 1000, dt.UTC)
    value = make(now + ahead)
    assert parse_discord_id(str(value), now_ms=NOW_MS) == (value if accepted else None)


def test_a_server_made_a_moment_ago_by_a_clock_ahead_of_ours_is_listed():
    from dashboard.servers import ServerRow

    ahead = make(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2))
    entry = ServerRow.from_json({"id": str(ahead), "name": "Brand new", "permissions": "8"})
    assert entry is not None and entry.id == ahead


@pytest.mark.django_db
def test_a_server_made_a_moment_ago_can_get_the_bot_and_the_callback_takes_it(client, settings):
    settings.DISCORD_BOT_REQUIRE_CODE_GRANT = False  # no code to exchange in this test
    ahead = str(make(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)))
    start = client.get("/bot/install/", {"guild_id": ahead})
    assert start.status_code == 302 and f"guild_id={ahead}" in start["Location"]
    from urllib.parse import parse_qs, urlsplit

    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    back = client.get("/auth/callback/bot/", {"state": state, "guild_id": ahead})
    assert back["Location"] == "/auth/success/?message=bot_installed"


def test_the_timestamp_agrees_with_discord_py():
    snowflake = 613425648685547541
    expected = discord.utils.snowflake_time(snowflake)
    assert timestamp_ms(snowflake) == int(expected.timestamp() * 1000)


def test_the_shard_follows_the_docs_formula():
    assert shard_of(613425648685547541, 1) == 0
    assert [shard_of(guild, 2) for guild in (613425648685547541, 709158235487862816)] == [
        (613425648685547541 >> 22) % 2,
        (709158235487862816 >> 22) % 2,
    ]
