"""Each gateway event's effect on the servers table."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync

from fightrise.snowflake import shard_of
from guildbot.bot import FightRiseBot
from guildbot.models import Guild

pytestmark = pytest.mark.django_db

JOINED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
SHARD_COUNT = 2


def fake_guild(
    guild_id: int, name: str = "", *, icon: str | None = "abc", unavailable=False, members=42
):
    return SimpleNamespace(
        id=guild_id,
        name=name or f"Server {guild_id}",
        icon=SimpleNamespace(key=icon) if icon else None,
        owner_id=80351110224678912,
        member_count=members,
        me=SimpleNamespace(joined_at=JOINED),
        text_channels=[
            SimpleNamespace(id=guild_id + 1, name="general"),
            SimpleNamespace(id=guild_id + 2, name="matches"),
        ],
        shard_id=shard_of(guild_id, SHARD_COUNT),
        unavailable=unavailable,
    )


def ids_on_shard(shard: int, count: int, start: int = 613425648685547541) -> list[int]:
    found, candidate = [], start
    while len(found) < count:
        if shard_of(candidate, SHARD_COUNT) == shard:
            found.append(candidate)
        candidate += 1 << 22
    return found


@pytest.fixture
def bot():
    return FightRiseBot(shard_count=SHARD_COUNT)


def shard_ready(bot, shard_id, guilds):
    bot.shard_guilds = lambda shard: [guild for guild in guilds if guild.shard_id == shard]
    async_to_sync(bot.on_shard_ready)(shard_id)


def present_ids() -> set[int]:
    return set(Guild.objects.present().values_list("guild_id", flat=True))


def test_the_startup_burst_marks_every_server_present_with_its_details(bot):
    a, b = ids_on_shard(0, 2)
    shard_ready(bot, 0, [fake_guild(a, "Alpha"), fake_guild(b, "Beta", icon=None)])
    assert present_ids() == {a, b}
    alpha = Guild.objects.get(guild_id=a)
    assert (alpha.name, alpha.icon, alpha.member_count, alpha.joined_at) == (
        "Alpha",
        "abc",
        42,
        JOINED,
    )
    assert Guild.objects.get(guild_id=b).icon == ""
    assert 0 in bot.ready_shards


def test_the_startup_burst_is_written_in_batches_not_per_server(bot, django_assert_max_num_queries):
    ids = ids_on_shard(0, 1200)
    guilds = [fake_guild(guild_id) for guild_id in ids]
    # SQLite takes 999 parameters a statement, so ~111 rows an insert; PostgreSQL 500.
    with django_assert_max_num_queries(len(ids) // 100 + 6):
        shard_ready(bot, 0, guilds)
    assert len(present_ids()) == 1200


def test_servers_not_sent_at_startup_are_marked_left_only_on_this_shard(bot):
    kept, gone = ids_on_shard(0, 2)
    (other_shard,) = ids_on_shard(1, 1)
    Guild.objects.bulk_create(
        [Guild(guild_id=gid, name="old") for gid in (kept, gone, other_shard)]
    )
    shard_ready(bot, 0, [fake_guild(kept)])
    assert present_ids() == {kept, other_shard}
    left = Guild.objects.get(guild_id=gone)
    assert left.left_at is not None and not left.present


def test_a_server_in_an_outage_at_startup_stays_present(bot):
    (down,) = ids_on_shard(0, 1)
    Guild.objects.create(guild_id=down, name="Down for now")
    shard_ready(bot, 0, [fake_guild(down, unavailable=True)])
    assert present_ids() == {down}
    assert Guild.objects.get(guild_id=down).name == "Down for now"


def test_a_join_creates_the_server(bot):
    (new,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [])
    async_to_sync(bot.on_guild_join)(fake_guild(new, "New Home"))
    assert Guild.objects.get(guild_id=new).name == "New Home"


def test_a_join_revives_a_server_the_bot_had_left(bot):
    (back,) = ids_on_shard(0, 1)
    Guild.objects.create(guild_id=back, name="Old", present=False, left_at=JOINED)
    shard_ready(bot, 0, [])
    async_to_sync(bot.on_guild_join)(fake_guild(back, "Back again"))
    guild = Guild.objects.get(guild_id=back)
    assert (guild.present, guild.left_at, guild.name) == (True, None, "Back again")


def test_events_during_the_startup_burst_wait_for_the_batch(bot, django_assert_num_queries):
    (early,) = ids_on_shard(0, 1)
    with django_assert_num_queries(0):
        async_to_sync(bot.on_guild_available)(fake_guild(early))
        async_to_sync(bot.on_guild_join)(fake_guild(early))
    assert not Guild.objects.exists()


def test_an_update_refreshes_name_and_icon(bot):
    (gid,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [fake_guild(gid, "Before")])
    async_to_sync(bot.on_guild_update)(
        fake_guild(gid, "Before"), fake_guild(gid, "After", icon="new")
    )
    guild = Guild.objects.get(guild_id=gid)
    assert (guild.name, guild.icon) == ("After", "new")


def test_a_removal_marks_the_server_left(bot):
    (gid,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [fake_guild(gid)])
    async_to_sync(bot.on_guild_remove)(fake_guild(gid))
    guild = Guild.objects.get(guild_id=gid)
    assert not guild.present and guild.left_at is not None


def test_an_outage_keeps_the_server_present(bot, django_assert_num_queries):
    (gid,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [fake_guild(gid)])
    with django_assert_num_queries(0):
        async_to_sync(bot.on_guild_unavailable)(fake_guild(gid, unavailable=True))
    assert present_ids() == {gid}


def test_a_server_back_from_an_outage_is_refreshed(bot):
    (gid,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [fake_guild(gid, "Before")])
    async_to_sync(bot.on_guild_available)(fake_guild(gid, "Renamed during outage"))
    assert Guild.objects.get(guild_id=gid).name == "Renamed during outage"


def test_a_new_ready_starts_a_new_burst(bot):
    shard_ready(bot, 0, [])
    async_to_sync(bot.on_shard_connect)(0)
    assert 0 not in bot.ready_shards


def test_a_new_text_channel_is_recorded(bot):
    import discord

    (gid,) = ids_on_shard(0, 1)
    shard_ready(bot, 0, [fake_guild(gid)])
    guild = fake_guild(gid)
    guild.text_channels.append(SimpleNamespace(id=gid + 3, name="brackets"))
    channel = discord.TextChannel.__new__(discord.TextChannel)
    channel.guild = guild
    async_to_sync(bot.on_guild_channel_create)(channel)
    assert Guild.objects.get(guild_id=gid).channels[-1] == {"id": str(gid + 3), "name": "brackets"}


def test_a_join_and_a_removal_while_the_burst_is_written_are_not_lost(bot, monkeypatch):
    from guildbot import store

    first, removed, joined = ids_on_shard(0, 3)
    guilds = [fake_guild(first), fake_guild(removed)]
    bot.shard_guilds = lambda shard: list(guilds)
    write = store.reconcile_shards

    def slow_write(*args, **kwargs):
        result = write(*args, **kwargs)
        # Meanwhile on the event loop: a join (gated until the shard is ready) and a removal.
        guilds.append(fake_guild(joined, "Joined mid-burst"))
        guilds.remove(next(guild for guild in guilds if guild.id == removed))
        return result

    monkeypatch.setattr(store, "reconcile_shards", slow_write)
    async_to_sync(bot.on_shard_ready)(0)
    assert present_ids() == {first, joined}
    assert Guild.objects.get(guild_id=removed).left_at is not None


def test_the_burst_is_retried_while_the_database_is_away(bot, monkeypatch):
    from django.db import OperationalError

    from guildbot import bot as bot_module
    from guildbot import store

    (gid,) = ids_on_shard(0, 1)
    bot.shard_guilds = lambda shard: [fake_guild(gid)]
    write = store.reconcile_shards
    failures = iter([OperationalError("server closed the connection"), None])

    def flaky(*args, **kwargs):
        failure = next(failures)
        if failure:
            raise failure
        return write(*args, **kwargs)

    async def no_wait(seconds):
        return None

    monkeypatch.setattr(store, "reconcile_shards", flaky)
    monkeypatch.setattr(bot_module.asyncio, "sleep", no_wait)
    async_to_sync(bot.on_shard_ready)(0)
    assert present_ids() == {gid}
