"""The real `manage.py runbot` against discordsim's gateway keeps the servers table true."""

from __future__ import annotations

import pytest

from discordsim import sample
from discordsim.testing import SimError
from fightrise.snowflake import shard_of
from guildbot.models import Guild, GuildConfig
from tests.e2e.conftest import bot_servers, present, wait_for

# Events > Gateway > Transport Compression: discord.py 2.7 asks for zstd-stream when zstandard
# imports (requirements.txt has it) and zlib-stream on a host without it; the bot works on both.
COMPRESSIONS = pytest.mark.parametrize("compress", ["zstd-stream", "zlib-stream"])


def compressions_used(sim) -> set[str | None]:
    return {connection["compress"] for connection in sim.gateway_sessions()}


@COMPRESSIONS
def test_servers_appear_and_follow_joins_removals_and_outages(sim, start_bot, compress):
    stale = int(sample.RETRO_RUMBLE_ID)  # the bot is not there, yet the table says it is
    Guild.objects.create(guild_id=stale, name="Left while we slept")
    expected = bot_servers(sim)
    bot = start_bot(compress=compress)
    wait_for(lambda: present() == expected, message=f"servers present: {present()} vs {expected}")
    assert compressions_used(sim) == {compress}
    assert Guild.objects.get(guild_id=stale).left_at is not None
    hq = Guild.objects.get(guild_id=int(sample.FIGHTRISE_HQ_ID))
    assert hq.name == "FightRise HQ" and hq.member_count and hq.joined_at

    sim.add_bot(sample.PIXEL_BRAWLERS_ID)
    wait_for(lambda: int(sample.PIXEL_BRAWLERS_ID) in present(), message="join recorded")

    sim.remove_bot(sample.CASUAL_FRIDAYS_ID)
    wait_for(lambda: int(sample.CASUAL_FRIDAYS_ID) not in present(), message="removal recorded")

    sim.outage(sample.FIGHTRISE_HQ_ID)
    sim.update_guild(sample.MIDNIGHT_ARENA_ID, name="Midnight Arena Finals")
    # Events arrive in order: once the update is in, the outage was handled before it.
    wait_for(
        lambda: Guild.objects.filter(
            guild_id=int(sample.MIDNIGHT_ARENA_ID), name="Midnight Arena Finals"
        ).exists(),
        message="update recorded",
    )
    assert int(sample.FIGHTRISE_HQ_ID) in present()
    sim.recover(sample.FIGHTRISE_HQ_ID)

    seconds = bot.stop()
    assert bot.popen.returncode == 0, bot.output()
    assert seconds < 5
    log = bot.output()
    assert "Stopping on signal" in log and "Bot stopped" in log
    assert sample.BOT_TOKEN not in log


@COMPRESSIONS
def test_a_reconnect_resumes_without_losing_the_tables_truth(sim, start_bot, compress):
    expected = bot_servers(sim)
    start_bot(compress=compress)
    wait_for(lambda: present() == expected)
    resumed_before = len(sim.gateway_sessions())
    sim.reconnect_gateway()
    sim.add_bot(sample.COMBO_LAB_ID)
    wait_for(
        lambda: present() == expected | {int(sample.COMBO_LAB_ID)}, message="join after reconnect"
    )
    assert len([s for s in sim.gateway_sessions() if not s.get("closed")]) >= 1
    assert resumed_before >= 1
    # The resumed connection is a new one, with a compression stream of its own.
    assert any(s["resumed"] for s in sim.gateway_sessions())
    assert compressions_used(sim) == {compress}


def test_a_server_left_while_the_session_was_lost_is_marked_left(sim, start_bot):
    """A shard that cannot resume identifies again; its new READY is the whole truth, even
    though the process still remembers the servers of its previous session."""
    expected = bot_servers(sim)
    start_bot()
    wait_for(lambda: present() == expected)
    gone = int(sample.CASUAL_FRIDAYS_ID)
    sessions_before = len(sim.gateway_sessions())
    scenario = sim.scenario()
    for guild in scenario["guilds"]:
        if guild["id"] == sample.CASUAL_FRIDAYS_ID:
            guild["bot_present"] = False
    # Loading a scenario drops every gateway session: the bot cannot resume and never hears
    # a GUILD_DELETE for the server it lost meanwhile.
    sim.load_scenario(scenario)
    wait_for(lambda: len(sim.gateway_sessions()) > 0, message="the bot identified again")
    wait_for(
        lambda: present() == expected - {gone},
        message="the lost server marked left",
    )
    assert Guild.objects.get(guild_id=gone).left_at is not None
    assert sessions_before >= 1


@pytest.mark.parametrize("first", [0, 1])
def test_two_processes_split_the_shards(sim, start_bot, first):
    scenario = sample.bulk_scenario(guilds=60, bot_in=60, user_guilds=10)
    sim.load_scenario(scenario)
    expected = bot_servers(sim)
    shard = {0: set(), 1: set()}
    for guild_id in expected:
        shard[shard_of(guild_id, 2)].add(guild_id)
    assert shard[0] and shard[1]
    start_bot("--shard-count", "2", "--shard-ids", str(first))
    wait_for(lambda: shard[first] <= present(), message="first shard recorded")
    start_bot("--shard-count", "2", "--shard-ids", str(1 - first))
    wait_for(lambda: present() == expected, message="both shards recorded")
    assert Guild.objects.count() == len(expected)
    assert not Guild.objects.filter(present=False).exists()


def test_slash_commands_answer_ephemerally_and_are_hidden_from_plain_members(sim, start_bot):
    start_bot()
    wait_for(lambda: int(sample.FIGHTRISE_HQ_ID) in present())
    channels = {
        channel["name"]: channel["id"]
        for channel in _guild(sim, sample.FIGHTRISE_HQ_ID)["channels"]
    }
    ran = sim.interact(
        sample.FIGHTRISE_HQ_ID,
        channels["general"],
        sample.ADA_ID,
        "fightrise",
        "setup",
        {"announcements": channels["announcements"], "matches": channels["matches"]},
    )
    answer = sim.wait_for_response(ran["id"])
    assert answer["callback"]["data"]["flags"] & 64  # ephemeral
    config = GuildConfig.objects.get(guild_id=int(sample.FIGHTRISE_HQ_ID))
    assert config.announcement_channel_id == int(channels["announcements"])
    assert config.match_channel_id == int(channels["matches"])

    # Discord offers the commands only to members with Manage Server (their default member
    # permissions); a plain member cannot run them at all.
    plain = _plain_member(sim, sample.FIGHTRISE_HQ_ID)
    for command in ("setup", "config"):
        with pytest.raises(SimError) as hidden:
            sim.interact(sample.FIGHTRISE_HQ_ID, channels["general"], plain, "fightrise", command)
        assert hidden.value.status == 403

    ran = sim.interact(
        sample.FIGHTRISE_HQ_ID, channels["general"], sample.BLAZE_ID, "fightrise", "config"
    )
    shown = sim.wait_for_response(ran["id"])["callback"]["data"]
    assert shown["flags"] & 64 and shown["embeds"][0]["title"] == "FightRise settings"


def _guild(sim, guild_id: str) -> dict:
    return next(guild for guild in sim.scenario()["guilds"] if guild["id"] == guild_id)


def _plain_member(sim, guild_id: str) -> str:
    from fightrise.permissions import has_permission

    owner = _guild(sim, guild_id)["owner_id"]
    for member in sim.scenario()["members"]:
        if member["guild_id"] != guild_id or member["user_id"] == owner:
            continue
        if not (
            has_permission(member["permissions"], "MANAGE_GUILD")
            or has_permission(member["permissions"], "ADMINISTRATOR")
        ):
            return member["user_id"]
    raise AssertionError("the sample has no plain member there")
