"""/fightrise config shows anyone the settings; /fightrise setup is for server managers."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest
from asgiref.sync import async_to_sync

from guildbot.commands import REFUSAL, FightRiseCommands
from guildbot.models import Guild, GuildConfig

pytestmark = pytest.mark.django_db

GUILD_ID = 613425648685547541
ANNOUNCEMENTS = 1100000000000000001
MATCHES = 1100000000000000002


class Response:
    def __init__(self):
        self.sent: list[dict] = []

    async def send_message(self, content=None, **kwargs):
        self.sent.append({"content": content, **kwargs})


def interaction(**permissions):
    return SimpleNamespace(
        guild_id=GUILD_ID,
        guild=SimpleNamespace(name="FightRise HQ"),
        permissions=discord.Permissions(**permissions),
        response=Response(),
    )


def setup(who, **channels):
    group = FightRiseCommands()
    async_to_sync(group.setup.callback)(group, who, **channels)
    return who.response.sent


def show(who):
    group = FightRiseCommands()
    async_to_sync(group.show_config.callback)(group, who)
    return who.response.sent


def channel(channel_id: int):
    return SimpleNamespace(id=channel_id)


@pytest.mark.parametrize("permissions", [{"manage_guild": True}, {"administrator": True}])
def test_a_manager_sets_the_channels(permissions):
    who = interaction(**permissions)
    (reply,) = setup(who, announcements=channel(ANNOUNCEMENTS), matches=channel(MATCHES))
    assert reply["ephemeral"] is True
    assert reply["content"] == "Saved."
    config = GuildConfig.objects.get(guild_id=GUILD_ID)
    assert (config.announcement_channel_id, config.match_channel_id) == (ANNOUNCEMENTS, MATCHES)
    assert Guild.objects.get(guild_id=GUILD_ID).name == "FightRise HQ"


def test_setting_one_channel_keeps_the_other():
    setup(
        interaction(manage_guild=True),
        announcements=channel(ANNOUNCEMENTS),
        matches=channel(MATCHES),
    )
    setup(interaction(manage_guild=True), matches=channel(ANNOUNCEMENTS))
    config = GuildConfig.objects.get(guild_id=GUILD_ID)
    assert (config.announcement_channel_id, config.match_channel_id) == (
        ANNOUNCEMENTS,
        ANNOUNCEMENTS,
    )


@pytest.mark.parametrize(
    "permissions", [{}, {"send_messages": True, "manage_channels": True}, {"manage_roles": True}]
)
def test_others_are_refused_politely_and_nothing_changes(permissions):
    (reply,) = setup(interaction(**permissions), announcements=channel(ANNOUNCEMENTS))
    assert reply == {"content": REFUSAL, "ephemeral": True}
    assert not GuildConfig.objects.exists()


def test_setup_without_channels_says_so():
    (reply,) = setup(interaction(manage_guild=True))
    assert reply["ephemeral"] and reply["content"].startswith("Nothing changed")


def test_config_shows_the_defaults_to_anyone_and_creates_them_once():
    (reply,) = show(interaction())
    assert reply["ephemeral"] is True
    fields = {field.name: field.value for field in reply["embed"].fields}
    assert fields == {
        "Announcements": "not set",
        "Matches": "not set",
        "Prefix": "`!`",
        "Language": "English",
        "Time zone": "UTC",
    }
    show(interaction())
    assert GuildConfig.objects.count() == 1


def test_config_mentions_the_chosen_channels():
    setup(interaction(manage_guild=True), announcements=channel(ANNOUNCEMENTS))
    (reply,) = show(interaction())
    fields = {field.name: field.value for field in reply["embed"].fields}
    assert fields["Announcements"] == f"<#{ANNOUNCEMENTS}>"
