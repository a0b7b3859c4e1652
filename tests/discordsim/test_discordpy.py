"""The real discord.py client against the simulator: login, servers, events, shards, resume."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from discordsim import sample
from discordsim.state import State
from tests.discordsim.helpers import running, until


class Events:
    """Records the guild events the tests care about."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    async def on_guild_join(self, guild):
        self.seen.append(("join", guild.id))

    async def on_guild_remove(self, guild):
        self.seen.append(("remove", guild.id))

    async def on_guild_unavailable(self, guild):
        self.seen.append(("unavailable", guild.id))

    async def on_guild_available(self, guild):
        self.seen.append(("available", guild.id))

    async def on_guild_update(self, before, after):
        self.seen.append(("update", after.id, before.name, after.name))

    async def on_resumed(self):
        self.seen.append(("resumed",))


class ShardedBot(Events, discord.AutoShardedClient):
    def __init__(self, **options) -> None:
        Events.__init__(self)
        discord.AutoShardedClient.__init__(self, **options)

    async def before_identify_hook(self, shard_id, *, initial=False):
        # discord.py waits 5 seconds between shards for Discord's identify limit; no need here.
        return None


class PlainBot(Events, discord.Client):
    def __init__(self, **options) -> None:
        Events.__init__(self)
        discord.Client.__init__(self, **options)


def connected(bot_class=ShardedBot, *, wait_ready: bool = True, **options):
    options.setdefault("intents", discord.Intents.default())
    return running(bot_class(guild_ready_timeout=0.05, **options), wait_ready=wait_ready)


def guild_ids(client) -> list[str]:
    return sorted((str(guild.id) for guild in client.guilds), key=int)


def test_it_logs_in_and_receives_every_server(discord_at):
    async def scenario():
        async with connected() as client:
            assert client.user.id == int(sample.BOT_ID) and client.user.bot
            assert client.application_id == int(sample.CLIENT_ID)
            assert guild_ids(client) == State(sample.sample_scenario()).bot_guild_ids()
            hq = client.get_guild(int(sample.FIGHTRISE_HQ_ID))
            assert hq.name == "FightRise HQ" and hq.member_count == 1240
            assert hq.owner_id == int(sample.ADA_ID)
            assert [c.name for c in hq.text_channels] == [
                "announcements",
                "general",
                "matches",
                "results",
            ]
            assert hq.me is not None and hq.me.guild_permissions.send_messages
            assert client.shard_count == 1

    asyncio.run(scenario())


def test_it_connects_a_plain_client_to_the_default_gateway(discord_at):
    async def scenario():
        async with connected(PlainBot) as client:
            assert len(client.guilds) == len(State(sample.sample_scenario()).bot_guild_ids())

    asyncio.run(scenario())


def test_it_ingests_2500_servers_on_one_shard_quickly(discord_at):
    discord_at.load_scenario(sample.bulk_scenario(guilds=2500, bot_in=2500, user_guilds=10))

    async def scenario():
        started = time.monotonic()
        async with connected(PlainBot, wait_ready=False) as client:
            await until(lambda: len(client.guilds) == 2500, timeout=10)
            assert time.monotonic() - started < 3

    asyncio.run(scenario())


def test_it_delivers_joins_removals_outages_and_updates(discord_at):
    sim = discord_at

    async def scenario():
        async with connected() as client:
            client.seen.clear()
            await asyncio.to_thread(sim.add_bot, sample.COMBO_LAB_ID)
            await until(lambda: ("join", int(sample.COMBO_LAB_ID)) in client.seen)
            assert client.get_guild(int(sample.COMBO_LAB_ID)).name == "Combo Lab"

            await asyncio.to_thread(sim.remove_bot, sample.CASUAL_FRIDAYS_ID)
            await until(lambda: ("remove", int(sample.CASUAL_FRIDAYS_ID)) in client.seen)
            assert client.get_guild(int(sample.CASUAL_FRIDAYS_ID)) is None

            await asyncio.to_thread(sim.outage, sample.MIDNIGHT_ARENA_ID)
            await until(lambda: ("unavailable", int(sample.MIDNIGHT_ARENA_ID)) in client.seen)
            assert client.get_guild(int(sample.MIDNIGHT_ARENA_ID)).unavailable

            await asyncio.to_thread(sim.recover, sample.MIDNIGHT_ARENA_ID)
            await until(lambda: ("available", int(sample.MIDNIGHT_ARENA_ID)) in client.seen)
            assert not client.get_guild(int(sample.MIDNIGHT_ARENA_ID)).unavailable

            await asyncio.to_thread(
                sim.update_guild, sample.FIGHTRISE_HQ_ID, name="FightRise Arena"
            )
            change = ("update", int(sample.FIGHTRISE_HQ_ID), "FightRise HQ", "FightRise Arena")
            await until(lambda: change in client.seen)
            assert client.seen.count(change) == 1
            assert not any(
                event[0] == "join" and event[1] != int(sample.COMBO_LAB_ID) for event in client.seen
            )

    asyncio.run(scenario())


def test_it_gives_each_shard_its_own_servers(discord_at):
    discord_at.load_scenario(sample.bulk_scenario(guilds=1200, bot_in=1200, user_guilds=10))

    async def scenario():
        async with connected(wait_ready=False) as client:
            await until(lambda: len(client.guilds) == 1200, timeout=10)
            assert client.shard_count == 2
            assert {guild.shard_id for guild in client.guilds} == {0, 1}
            assert all(guild.shard_id == (guild.id >> 22) % 2 for guild in client.guilds)
            sessions = await asyncio.to_thread(discord_at.gateway_sessions)
            assert sorted(row["shard"] for row in sessions if not row["closed"]) == [[0, 2], [1, 2]]

    asyncio.run(scenario())


def test_it_resumes_after_a_reconnect(discord_at):
    sim = discord_at

    async def scenario():
        async with connected() as client:
            before = await asyncio.to_thread(sim.gateway_sessions)
            assert await asyncio.to_thread(sim.reconnect_gateway) == 1
            await until(lambda: ("resumed",) in client.seen)
            rows = await asyncio.to_thread(sim.gateway_sessions)
            live = [row for row in rows if not row["closed"]]
            assert len(live) == 1 and live[0]["resumed"] is True
            assert live[0]["session_id"] == before[-1]["session_id"]
            await asyncio.to_thread(sim.add_bot, sample.COMBO_LAB_ID)
            await until(lambda: ("join", int(sample.COMBO_LAB_ID)) in client.seen)

    asyncio.run(scenario())


def test_it_lets_discord_py_retry_a_rate_limited_request(discord_at):
    discord_at.add_fault("/api/v10/users/@me", status=429, retry_after=0.05)

    async def scenario():
        client = PlainBot(intents=discord.Intents.default())
        await client.login(sample.BOT_TOKEN)
        assert client.user.id == int(sample.BOT_ID)
        await client.close()

    asyncio.run(scenario())
    assert [entry["status"] for entry in discord_at.requests("/api/v10/users/@me")] == [429, 200]


def test_it_refuses_a_wrong_token_at_login(discord_at):
    async def scenario():
        client = PlainBot(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            await client.login("MTA4.wrong.token")
        await client.close()

    asyncio.run(scenario())


def test_it_refuses_privileged_intents_the_app_has_not_enabled(discord_at):
    async def scenario():
        client = PlainBot(intents=discord.Intents.default() | discord.Intents(members=True))
        await client.login(sample.BOT_TOKEN)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.connect(), 10)
        await client.close()

    asyncio.run(scenario())
