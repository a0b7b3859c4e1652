"""The sample scenario, the bulk builder, and scenario validation."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime

import discord
import pytest

from discordsim import permissions, sample, snowflake
from discordsim.state import ScenarioError, State
from discordsim.testing import SimError


def all_ids(scenario: dict) -> list[str]:
    ids = [scenario["application"]["id"], scenario["bot"]["id"]]
    ids += [user["id"] for user in scenario["users"]]
    for guild in scenario["guilds"]:
        ids += [guild["id"], guild["owner_id"]] + [channel["id"] for channel in guild["channels"]]
    return ids


def test_it_builds_realistic_snowflakes():
    for value in all_ids(sample.sample_scenario()):
        assert snowflake.is_valid(value), value
        assert 17 <= len(value) <= 20
        made = snowflake.created_at(value)
        assert datetime(2016, 1, 1, tzinfo=UTC) <= made < datetime(2026, 1, 1, tzinfo=UTC)


def test_it_refuses_future_and_malformed_snowflakes():
    future = snowflake.make(int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000))
    for value in (future, "123", "x" * 18, str(2**64), 1085218138242547719):
        assert not snowflake.is_valid(value)


def test_it_shapes_the_bot_token_like_discord():
    first, second, third = sample.BOT_TOKEN.split(".")
    assert base64.b64decode(first + "==").decode() == sample.CLIENT_ID
    assert (len(second), len(third)) == (6, 38)
    assert sample.BOT_ID == sample.CLIENT_ID
    assert len(sample.CLIENT_SECRET) == 32


def test_it_registers_the_default_redirect_uris():
    assert sample.DEFAULT_REDIRECT_URIS == [
        "http://127.0.0.1:8000/auth/callback/",
        "http://localhost:8000/auth/callback/",
        "http://127.0.0.1:8000/auth/callback/bot/",
        "http://localhost:8000/auth/callback/bot/",
    ]


def test_it_gives_the_sample_people_their_looks():
    people = {user["id"]: user for user in sample.sample_scenario()["users"]}
    ada, blaze = people[sample.ADA_ID], people[sample.BLAZE_ID]
    assert (ada["username"], ada["global_name"], ada["discriminator"]) == (
        "ada",
        "Ada Lovelace",
        "0",
    )
    assert ada["avatar"] and not ada["avatar"].startswith("a_")
    assert blaze["avatar"].startswith("a_")
    assert people[sample.NEWBIE_ID]["avatar"] is None
    assert people[sample.NEWBIE_ID]["discriminator"] == "0"
    assert people[sample.OLDTIMER_ID]["discriminator"] == "4821"
    assert people[sample.OLDTIMER_ID]["avatar"] is None


def test_it_gives_the_collector_200_servers_with_the_bot_in_50():
    state = State(sample.sample_scenario())
    servers = state.user_guild_ids(sample.COLLECTOR_ID)
    assert len(servers) == 200
    assert sum(state.guilds[gid].bot_present for gid in servers) == 50


def test_it_covers_every_case_of_ada():
    state = State(sample.sample_scenario())

    def case(guild_id):
        guild = state.guilds[guild_id]
        value = state.members[guild_id][sample.ADA_ID]
        return guild.owner_id == sample.ADA_ID, value, guild.bot_present

    assert case(sample.FIGHTRISE_HQ_ID) == (True, permissions.ALL, True)
    owner, value, bot = case(sample.PIXEL_BRAWLERS_ID)
    assert (owner, bool(value & permissions.ADMINISTRATOR), bot) == (False, True, False)
    for guild_id, bot_present in ((sample.MIDNIGHT_ARENA_ID, True), (sample.COMBO_LAB_ID, False)):
        owner, value, bot = case(guild_id)
        assert not owner and not value & permissions.ADMINISTRATOR
        assert value & permissions.MANAGE_GUILD and bot == bot_present
    for guild_id, bot_present in (
        (sample.CASUAL_FRIDAYS_ID, True),
        (sample.RETRO_RUMBLE_ID, False),
    ):
        owner, value, bot = case(guild_id)
        assert not owner and not value & (permissions.ADMINISTRATOR | permissions.MANAGE_GUILD)
        assert bot == bot_present
    assert state.manageable_guilds(sample.NEWBIE_ID) == []


def test_it_gives_owners_every_permission_discord_defines():
    assert permissions.ALL == discord.Permissions.all().value
    state = State(sample.sample_scenario())
    for guild in state.guilds.values():
        if guild.owner_id in state.users:
            assert state.members[guild.id][guild.owner_id] == permissions.ALL


def test_it_names_text_channels_like_a_community():
    names = {
        channel["name"]
        for guild in sample.sample_scenario()["guilds"]
        for channel in guild["channels"]
    }
    assert {"announcements", "matches", "general"} <= names


def test_it_builds_bulk_scenarios():
    scenario = sample.bulk_scenario(guilds=300, bot_in=120, user_guilds=40)
    state = State(scenario)
    assert len(state.guilds) == 300
    assert len(state.bot_guild_ids()) == 120
    assert len(state.user_guild_ids(sample.BENCH_USER_ID)) == 40
    assert all(snowflake.is_valid(value) for value in all_ids(scenario))
    with pytest.raises(ValueError):
        sample.bulk_scenario(guilds=10, bot_in=11)


def broken(change) -> dict:
    scenario = copy.deepcopy(sample.sample_scenario())
    change(scenario)
    return scenario


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["users"][0].update(id="123"), "users[0].id"),
        (lambda s: s["bot"].update(id=sample.ADA_ID), "bot.id"),
        (lambda s: s["guilds"][0].update(icon="not-a-hash"), "guilds[0].icon"),
        (
            lambda s: s["members"].append(
                {"guild_id": "1", "user_id": sample.ADA_ID, "permissions": "8"}
            ),
            "guild_id",
        ),
        (lambda s: s["members"][0].update(permissions=8), "permissions"),
        (lambda s: s["users"][1].update(discriminator="12"), "discriminator"),
        (lambda s: s["application"].pop("client_secret"), "client_secret"),
    ],
)
def test_it_rejects_invalid_scenarios(change, message):
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        State(broken(change))


def test_it_answers_400_for_an_invalid_scenario(sim):
    with pytest.raises(SimError) as error:
        sim.load_scenario(broken(lambda s: s["users"][0].update(id="123")))
    assert error.value.status == 400
    assert "users[0].id" in error.value.body["error"]


def test_it_round_trips_the_scenario(sim):
    sim.remove_bot(sample.FIGHTRISE_HQ_ID)
    current = sim.scenario()
    sim.load_scenario(current)
    assert sim.scenario() == current
    hq = next(guild for guild in current["guilds"] if guild["id"] == sample.FIGHTRISE_HQ_ID)
    assert hq["bot_present"] is False


def test_it_adds_players_for_a_bigger_bracket():
    scenario = sample.sample_scenario()
    players = sample.add_players(scenario, sample.FIGHTRISE_HQ_ID, 16)
    assert len(set(players)) == 16
    state = State(scenario)
    assert all(state.members[sample.FIGHTRISE_HQ_ID][player] for player in players)
    assert state.users[players[0]].username == "player1"
