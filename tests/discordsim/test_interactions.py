"""Slash commands end to end: tree.sync(), INTERACTION_CREATE, and what discord.py answers."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import pytest
import requests
from discord import app_commands

from discordsim import permissions, sample
from discordsim.testing import SimError
from tests.discordsim.helpers import running, until


class Bot(discord.Client):
    """A bot with /fightrise setup|status|defer, the way guildbot would build one."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.calls: list[dict] = []
        self.seen_permissions: dict[int, discord.Permissions] = {}
        group = app_commands.Group(name="fightrise", description="Run tournaments with FightRise")

        @group.command(name="setup", description="Set FightRise up in this server")
        @app_commands.describe(channel="Where match calls go", size="Bracket size")
        async def setup(
            interaction: discord.Interaction,
            channel: discord.TextChannel,
            size: app_commands.Range[int, 2, 128] = 16,
            public: bool = False,
        ) -> None:
            self.calls.append(
                {
                    "user": interaction.user.id,
                    "channel": channel.id,
                    "size": size,
                    "public": public,
                    "manage": interaction.permissions.manage_guild,
                    "app_send": interaction.app_permissions.send_messages,
                }
            )
            await interaction.response.send_message(
                f"Match calls go to {channel.mention}.", ephemeral=True
            )
            await interaction.followup.send("Tip: run /fightrise status next.", ephemeral=True)

        @group.command(name="status", description="Show the bot's settings")
        async def status(interaction: discord.Interaction) -> None:
            self.seen_permissions[interaction.user.id] = interaction.user.guild_permissions
            await interaction.response.send_message("All good.")

        @group.command(name="slow", description="Answer after thinking")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("Done thinking.")
            await interaction.edit_original_response(content="Done thinking, edited.")

        self.tree.add_command(group)


@contextlib.asynccontextmanager
async def running_bot(sync: bool = True):
    async with running(Bot()) as bot:
        if sync:
            await bot.tree.sync()
        yield bot


def channel_id(sim, guild_id: str, name: str) -> str:
    guild = next(g for g in sim.scenario()["guilds"] if g["id"] == guild_id)
    return next(c["id"] for c in guild["channels"] if c["name"] == name)


def test_it_round_trips_tree_sync(discord_at):
    async def scenario():
        async with running_bot(sync=False) as bot:
            synced = await bot.tree.sync()
            assert [command.name for command in synced] == ["fightrise"]
            fetched = await bot.tree.fetch_commands()
            assert [command.id for command in fetched] == [command.id for command in synced]
            again = await bot.tree.sync()
            assert again[0].id == synced[0].id
            options = {option.name for option in fetched[0].options}
            assert options == {"setup", "status", "slow"}
            guild = discord.Object(int(sample.FIGHTRISE_HQ_ID))
            bot.tree.copy_global_to(guild=guild)
            local = await bot.tree.sync(guild=guild)
            assert local[0].guild_id == guild.id and local[0].id != synced[0].id

    asyncio.run(scenario())


def test_it_answers_an_interaction_with_an_ephemeral_message(discord_at):
    sim = discord_at
    matches = channel_id(sim, sample.FIGHTRISE_HQ_ID, "matches")

    async def scenario():
        async with running_bot() as bot:
            created = await asyncio.to_thread(
                sim.interact,
                sample.FIGHTRISE_HQ_ID,
                matches,
                sample.ADA_ID,
                "fightrise",
                "setup",
                {"channel": matches, "size": 32},
            )
            await until(lambda: len(sim.interaction_response(created["id"])["followups"]) == 1)
            assert bot.calls == [
                {
                    "user": int(sample.ADA_ID),
                    "channel": int(matches),
                    "size": 32,
                    "public": False,
                    "manage": True,
                    "app_send": True,
                }
            ]
            return created

    created = asyncio.run(scenario())
    record = sim.interaction_response(created["id"])
    assert record["callback"] == {
        "type": 4,
        "data": {"tts": False, "content": f"Match calls go to <#{matches}>.", "flags": 64},
    }
    original = record["original"]
    assert original["flags"] & 64 and original["content"] == f"Match calls go to <#{matches}>."
    assert original["author"]["id"] == sample.BOT_ID
    assert original["interaction_metadata"]["name"] == "fightrise setup"
    assert record["followups"][0]["content"] == "Tip: run /fightrise status next."
    assert record["followups"][0]["flags"] == 64
    assert [(r["kind"], r["status"]) for r in record["responses"]] == [
        ("callback", 200),
        ("followup", 200),
    ]
    data = record["interaction"]["data"]
    assert data["options"] == [
        {
            "name": "setup",
            "type": 1,
            "options": [
                {"name": "channel", "type": 7, "value": matches},
                {"name": "size", "type": 4, "value": 32},
            ],
        }
    ]
    assert data["resolved"]["channels"][matches]["name"] == "matches"
    callback_request = sim.requests(f"/api/v10/interactions/{created['id']}/*")[0]
    assert callback_request["query"] == {"with_response": "1"}


def test_it_sends_interactions_as_discord_builds_them(discord_at):
    sim = discord_at
    general = channel_id(sim, sample.MIDNIGHT_ARENA_ID, "general")

    async def scenario():
        async with running_bot():
            created = await asyncio.to_thread(
                sim.interact,
                sample.MIDNIGHT_ARENA_ID,
                general,
                sample.NEWBIE_ID,
                "fightrise",
                "status",
            )
            await until(lambda: sim.interaction_response(created["id"])["acknowledged"])
            return created

    created = asyncio.run(scenario())
    payload = sim.interaction_response(created["id"])["interaction"]
    assert payload["type"] == 2 and payload["version"] == 1
    assert payload["application_id"] == sample.CLIENT_ID
    assert payload["guild_id"] == sample.MIDNIGHT_ARENA_ID and payload["channel_id"] == general
    assert payload["channel"]["id"] == general and payload["channel"]["type"] == 0
    assert payload["member"]["user"]["id"] == sample.NEWBIE_ID
    assert payload["member"]["permissions"] == str(permissions.EVERYONE)
    assert isinstance(payload["app_permissions"], str)
    assert payload["data"]["name"] == "fightrise" and payload["data"]["type"] == 1
    assert payload["data"]["options"] == [{"name": "status", "type": 1, "options": []}]
    assert payload["authorizing_integration_owners"] == {"0": sample.MIDNIGHT_ARENA_ID}
    assert payload["context"] == 0 and payload["locale"] == "en-US"
    assert payload["entitlements"] == [] and payload["token"] == created["token"]


def test_it_turns_a_followup_after_a_deferral_into_the_answer(discord_at):
    sim = discord_at
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")

    async def scenario():
        async with running_bot():
            created = await asyncio.to_thread(
                sim.interact, sample.FIGHTRISE_HQ_ID, general, sample.ADA_ID, "fightrise", "slow"
            )
            await until(lambda: len(sim.interaction_response(created["id"])["responses"]) == 3)
            return created

    record = sim.interaction_response(asyncio.run(scenario())["id"])
    assert record["callback"]["type"] == 5
    assert record["followups"] == []
    assert record["original"]["content"] == "Done thinking, edited."
    assert record["original"]["flags"] == 64
    assert [r["kind"] for r in record["responses"]] == ["callback", "followup", "edit_original"]


def test_it_refuses_a_second_acknowledgement(discord_at):
    sim = discord_at
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")

    async def scenario():
        async with running_bot():
            created = await asyncio.to_thread(
                sim.interact, sample.FIGHTRISE_HQ_ID, general, sample.ADA_ID, "fightrise", "status"
            )
            await until(lambda: sim.interaction_response(created["id"])["acknowledged"])
            return created

    created = asyncio.run(scenario())
    again = requests.post(
        f"{sim.url}/api/v10/interactions/{created['id']}/{created['token']}/callback",
        json={"type": 4, "data": {"content": "again"}},
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json() == {"message": "Interaction has already been acknowledged.", "code": 40060}
    wrong = requests.post(
        f"{sim.url}/api/v10/interactions/{created['id']}/nope/callback",
        json={"type": 4},
        timeout=10,
    )
    assert wrong.json() == {"message": "Unknown interaction", "code": 10062}


def test_it_checks_the_command_and_its_options(discord_at):
    sim = discord_at
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")

    async def scenario():
        async with running_bot():
            failures = []
            for subcommand, options in (
                ("nope", {}),
                ("setup", {}),
                ("setup", {"channel": general, "size": "big"}),
                ("setup", {"channel": "123456789012345678"}),
                ("setup", {"channel": general, "colour": "red"}),
            ):
                with pytest.raises(SimError) as error:
                    await asyncio.to_thread(
                        sim.interact,
                        sample.FIGHTRISE_HQ_ID,
                        general,
                        sample.ADA_ID,
                        "fightrise",
                        subcommand,
                        options,
                    )
                failures.append(error.value.status)
            return failures

    assert asyncio.run(scenario()) == [400, 400, 400, 400, 400]


def test_it_needs_a_synced_command_and_a_listening_bot(sim, api):
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")
    with pytest.raises(SimError) as error:
        sim.interact(sample.FIGHTRISE_HQ_ID, general, sample.ADA_ID, "fightrise", "status")
    assert error.value.status == 404
    synced = api(
        "PUT",
        f"/applications/{sample.CLIENT_ID}/commands",
        bot=True,
        json=[
            {
                "name": "fightrise",
                "description": "x",
                "options": [{"type": 1, "name": "status", "description": "y"}],
            }
        ],
    )
    assert synced.status_code == 200
    with pytest.raises(SimError) as error:
        sim.interact(sample.FIGHTRISE_HQ_ID, general, sample.ADA_ID, "fightrise", "status")
    assert error.value.status == 409
    with pytest.raises(SimError) as error:
        sim.interact(sample.COMBO_LAB_ID, general, sample.ADA_ID, "fightrise", "status")
    assert error.value.status == 400


def test_discord_py_computes_server_permissions_from_the_members_roles(discord_at):
    """Discord has no per-member permissions, only roles: a member above @everyone carries a
    role, so discord.py's Member.guild_permissions (server level, not the channel's) is right."""
    sim = discord_at
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")
    people = [sample.ADA_ID, sample.BLAZE_ID, sample.NEWBIE_ID]

    async def scenario():
        async with running_bot() as bot:
            for person in people:
                created = await asyncio.to_thread(
                    sim.interact, sample.FIGHTRISE_HQ_ID, general, person, "fightrise", "status"
                )
                await until(lambda c=created: sim.interaction_response(c["id"])["callback"])
            return bot.seen_permissions

    seen = asyncio.run(scenario())
    assert seen[int(sample.ADA_ID)].value == permissions.ALL  # the owner
    assert seen[int(sample.BLAZE_ID)].value == permissions.MODERATOR
    assert seen[int(sample.BLAZE_ID)].manage_guild
    assert seen[int(sample.NEWBIE_ID)].value == permissions.EVERYONE


def test_it_offers_a_command_only_to_members_with_its_default_permissions(sim, api):
    general = channel_id(sim, sample.FIGHTRISE_HQ_ID, "general")
    command = {
        "name": "fightrise",
        "description": "x",
        "default_member_permissions": permissions.MANAGE_GUILD,  # discord.py sends an int
        "options": [{"type": 1, "name": "status", "description": "y"}],
    }
    assert api("PUT", f"/applications/{sample.CLIENT_ID}/commands", bot=True, json=[command]).ok
    listed = api("GET", f"/applications/{sample.CLIENT_ID}/commands", bot=True).json()
    assert listed[0]["default_member_permissions"] == str(permissions.MANAGE_GUILD)
    with pytest.raises(SimError) as refused:
        sim.interact(sample.FIGHTRISE_HQ_ID, general, sample.NEWBIE_ID, "fightrise", "status")
    assert refused.value.status == 403
    for allowed in (sample.BLAZE_ID, sample.ADA_ID):  # Manage Server; the owner
        with pytest.raises(SimError) as no_bot:
            sim.interact(sample.FIGHTRISE_HQ_ID, general, allowed, "fightrise", "status")
        assert no_bot.value.status == 409  # past the permission check, then: no bot listening
