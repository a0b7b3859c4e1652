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


OWNER_ID = 257069950429175809
MEMBER_ID = 464162408479465473


def interaction(*, channel=None, user_id=MEMBER_ID, in_server=True, locale="en-US", **permissions):
    """An interaction from a member whose server permissions are `permissions` and whose
    permissions in the channel (after its overwrites) are `channel` (the same by default),
    their Discord client in `locale`."""
    server = discord.Permissions(**permissions)
    guild = SimpleNamespace(id=GUILD_ID, name="FightRise HQ", owner_id=OWNER_ID)
    return SimpleNamespace(
        locale=discord.Locale(locale),
        guild_id=GUILD_ID,
        # As discord.py has it: never None from a server, a stand-in with the id alone where
        # the bot is not in it; the client's cache (the gateway's word) knows the difference.
        guild=guild if in_server else SimpleNamespace(id=GUILD_ID, name=None, owner_id=None),
        client=SimpleNamespace(get_guild={GUILD_ID: guild}.get if in_server else {}.get),
        user=SimpleNamespace(id=user_id, guild_permissions=server),
        permissions=discord.Permissions(**channel) if channel is not None else server,
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


def test_config_shows_the_defaults_to_any_member_discord_lets_run_it_and_creates_them_once():
    (reply,) = show(interaction())
    assert reply["ephemeral"] is True
    fields = {field.name: field.value for field in reply["embed"].fields}
    assert fields == {
        "Announcements": "Not set",
        "Matches": "Not set",
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


def test_manage_server_is_read_at_the_server_level_not_in_the_channel():
    # Channel overwrites decide what a member may do in one channel; Manage Server is not one.
    channel_only = interaction(channel={"manage_guild": True})
    (reply,) = setup(channel_only, announcements=channel(ANNOUNCEMENTS))
    assert reply == {"content": REFUSAL, "ephemeral": True}
    server_wide = interaction(channel={"view_channel": True}, manage_guild=True)
    (reply,) = setup(server_wide, announcements=channel(ANNOUNCEMENTS))
    assert reply["content"] == "Saved."


def test_the_owner_may_always_set_up():
    (reply,) = setup(interaction(user_id=OWNER_ID), announcements=channel(ANNOUNCEMENTS))
    assert reply["content"] == "Saved."


def test_discord_hides_the_commands_from_members_without_manage_server():
    from discord import app_commands

    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    payload = FightRiseCommands().to_dict(tree)
    assert payload["default_member_permissions"] == discord.Permissions(manage_guild=True).value
    assert payload["contexts"] == [0]  # servers only


@pytest.mark.parametrize("command", ["config", "setup"])
def test_a_server_with_only_the_commands_gets_told_and_no_row(command):
    who = interaction(in_server=False, manage_guild=True)
    if command == "config":
        (reply,) = show(who)
    else:
        (reply,) = setup(who, announcements=channel(ANNOUNCEMENTS))
    assert reply["ephemeral"] and "not in this server" in reply["content"]
    assert not Guild.objects.exists() and not GuildConfig.objects.exists()


def discordpy_interaction(*, bot_in_server: bool) -> tuple[discord.Interaction, list]:
    """A real discord.py Interaction for `/fightrise` from a member with Manage Server, made
    from the payload Discord sends (Receiving and Responding > Interaction Object), its
    replies recorded; the client has the server cached only if the bot is in it."""
    client = discord.Client(intents=discord.Intents.none())
    state = client._connection
    bot = {"id": "1300000000000000002", "username": "FightRise", "discriminator": "0"}
    state.user = discord.ClientUser(state=state, data={**bot, "avatar": None, "bot": True})
    organisers = {"id": "1300000000000000003", "name": "Organisers", "position": 1}
    if bot_in_server:  # as its GUILD_CREATE left it: the roles that give Manage Server
        roles = [
            {"id": str(GUILD_ID), "name": "@everyone", "position": 0, "permissions": "0"},
            {**organisers, "permissions": str(discord.Permissions(manage_guild=True).value)},
        ]
        server = {"id": str(GUILD_ID), "name": "FightRise HQ", "owner_id": str(OWNER_ID)}
        state._add_guild(discord.Guild(data={**server, "roles": roles}, state=state))
    member = {"id": str(MEMBER_ID), "username": "ada", "discriminator": "0", "avatar": None}
    data = {
        "id": "1300000000000000001",
        "application_id": bot["id"],
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "guild_id": str(GUILD_ID),
        "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
        "channel_id": str(ANNOUNCEMENTS),
        "channel": {
            "id": str(ANNOUNCEMENTS),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "announcements",
            "position": 0,
            "permission_overwrites": [],
        },
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "member": {
            "user": member,
            "roles": [organisers["id"]],
            "joined_at": "2020-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "permissions": str(discord.Permissions(manage_guild=True).value),
            "flags": 0,
        },
        "data": {"id": "1", "name": "fightrise", "type": 1},
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
    }
    sent: list = []

    class Recorded(discord.Interaction):
        @property
        def response(self):
            return SimpleNamespace(send_message=record)

    async def record(content=None, **options):
        sent.append({"content": content, **options})

    return Recorded(data=data, state=state), sent


@pytest.mark.parametrize("command", ["config", "setup"])
def test_discordpys_own_interaction_from_a_server_with_only_the_commands_gets_told(command):
    """discord.py never hands a server's interaction `guild=None`: for a server the bot is
    not in, it makes a stand-in. Only the client's cache tells the two apart."""
    who, sent = discordpy_interaction(bot_in_server=False)
    assert who.guild is not None  # the stand-in the handlers must not take for the server
    group = FightRiseCommands()
    if command == "config":
        async_to_sync(group.show_config.callback)(group, who)
    else:
        async_to_sync(group.setup.callback)(group, who, announcements=channel(ANNOUNCEMENTS))
    (reply,) = sent
    assert reply["ephemeral"] and "not in this server" in reply["content"]
    assert not Guild.objects.exists() and not GuildConfig.objects.exists()


def test_discordpys_own_interaction_from_the_bots_server_is_answered():
    who, sent = discordpy_interaction(bot_in_server=True)
    group = FightRiseCommands()
    async_to_sync(group.setup.callback)(group, who, announcements=channel(ANNOUNCEMENTS))
    (reply,) = sent
    assert reply["content"] == "Saved."
    config = GuildConfig.objects.get(guild_id=GUILD_ID)
    assert config.announcement_channel_id == ANNOUNCEMENTS
    assert Guild.objects.get(guild_id=GUILD_ID).present is False  # only the gateway says so


def test_a_command_before_the_startup_burst_does_not_mark_the_bot_present():
    from guildbot import store

    store.config_for(GUILD_ID, name="FightRise HQ")
    assert Guild.objects.get(guild_id=GUILD_ID).present is False
    assert not Guild.objects.present().exists()


def test_the_replies_are_in_the_persons_language():
    """Only the person sees them: their Discord client's language, not the server's."""
    guild = Guild.objects.create(guild_id=GUILD_ID, name="FightRise HQ")
    GuildConfig.objects.create(guild=guild, locale="ja")
    (reply,) = show(interaction(locale="de"))
    embed = reply["embed"]
    assert embed.title == "FightRise-Einstellungen"
    fields = {field.name: field.value for field in embed.fields}
    assert fields == {
        "Ankündigungen": "Nicht festgelegt",
        "Matches": "Nicht festgelegt",
        "Sprache": "日本語",  # the server's language, by its own name
        "Zeitzone": "UTC",
    }
    (reply,) = setup(interaction(locale="fr", manage_guild=True), matches=channel(MATCHES))
    assert reply["content"] == "Enregistré."
    assert reply["embed"].title == "Paramètres de FightRise"
    (reply,) = setup(interaction(locale="pt-BR"), matches=channel(MATCHES))
    assert reply["content"].startswith("Só membros com a permissão Gerenciar servidor")
    (reply,) = show(interaction(locale="es-419", in_server=False))
    assert reply["content"].startswith("El bot de FightRise no está en este servidor")
