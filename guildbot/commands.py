"""Slash commands: /fightrise config and /fightrise setup, for server managers.

Discord hides the group from members without Manage Server (its default member permissions),
but a server's admins may grant it to others in Server Settings > Integrations, so setup
still checks the member's server permissions itself.

Their names and descriptions are in each person's Discord language (guildbot.translator),
and so are the replies, which only that person sees (`interaction.locale`).
"""

from __future__ import annotations

import discord
from asgiref.sync import sync_to_async
from discord import app_commands
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fightrise.languages import for_discord
from fightrise.permissions import may_manage
from guildbot import store
from guildbot.models import GuildConfig
from guildbot.translator import slash

REFUSAL = _("Only members with the Manage Server permission can change FightRise's settings.")
NOT_IN_SERVER = _(
    "The FightRise bot is not in this server, only its commands. Add the bot from your "
    "FightRise dashboard (Add to server), then try again."
)


def describe(config: GuildConfig) -> discord.Embed:
    """The settings, in the language active (the person's)."""

    def channel(channel_id: int | None) -> str:
        return f"<#{channel_id}>" if channel_id else gettext("Not set")

    embed = discord.Embed(title=gettext("FightRise settings"), colour=0xE0452E)
    embed.add_field(name=gettext("Announcements"), value=channel(config.announcement_channel_id))
    embed.add_field(name=gettext("Matches"), value=channel(config.match_channel_id))
    embed.add_field(name=gettext("Language"), value=config.get_locale_display())
    embed.add_field(name=gettext("Time zone"), value=config.timezone)
    return embed


def server_of(interaction: discord.Interaction) -> discord.Guild | None:
    """The server the interaction came from, if the bot is in it; None from a server with
    only the commands installed (or from a DM).

    Not `interaction.guild`: for a server the bot is not in, discord.py builds a stand-in
    from the interaction's id alone (no name, no owner, no roles), so it is never None from
    a server. The client's cache is what the gateway said: Discord sends a server's
    interactions to the shard that holds it, whose READY and GUILD_CREATE list it.
    """
    if interaction.guild_id is None:
        return None
    return interaction.client.get_guild(interaction.guild_id)


def manages_server(interaction: discord.Interaction) -> bool:
    """Owner, Administrator or Manage Server, at the server level.

    `interaction.permissions` are the member's permissions in the channel, after its
    overwrites; Manage Server is a server-wide permission, so it is read from the member's
    roles (discord.py's Member.guild_permissions, which counts the owner and Administrator).
    """
    guild, member = server_of(interaction), interaction.user
    if guild is None:  # the bot is not in the server, so its roles are unknown
        return False
    return may_manage(member.guild_permissions.value, owner=guild.owner_id == member.id)


def persons_language(interaction: discord.Interaction) -> str:
    """The offered language of the person's Discord client, for what only they see."""
    return for_discord(getattr(interaction, "locale", None))


async def reply(interaction: discord.Interaction, words=None, *, config=None) -> None:
    """An ephemeral reply in the person's language: words, the settings, or both."""
    with translation.override(persons_language(interaction)):
        content = str(words) if words is not None else None
        embed = describe(config) if config is not None else None
    options = {"embed": embed} if embed is not None else {}
    await interaction.response.send_message(content, ephemeral=True, **options)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FightRiseCommands(
    app_commands.Group,
    name=slash(pgettext_lazy("slash command name", "fightrise")),
    description=slash(pgettext_lazy("slash command description", "FightRise tournaments")),
):
    @app_commands.command(
        name=slash(pgettext_lazy("slash command name", "config")),
        description=slash(
            pgettext_lazy("slash command description", "Show FightRise's settings for this server")
        ),
    )
    async def show_config(self, interaction: discord.Interaction) -> None:
        guild = server_of(interaction)
        if guild is None:
            # Only the commands are installed here: nothing to read, and no row to invent.
            await reply(interaction, NOT_IN_SERVER)
            return
        config = await sync_to_async(store.config_for)(guild.id, name=guild.name or "")
        await reply(interaction, config=config)

    @app_commands.command(
        name=slash(pgettext_lazy("slash command name", "setup")),
        description=slash(
            pgettext_lazy(
                "slash command description", "Choose where FightRise announces and calls matches"
            )
        ),
    )
    @app_commands.rename(
        announcements=slash(pgettext_lazy("slash option name", "announcements")),
        matches=slash(pgettext_lazy("slash option name", "matches")),
    )
    @app_commands.describe(
        announcements=slash(
            pgettext_lazy("slash option description", "Channel for tournament announcements")
        ),
        matches=slash(pgettext_lazy("slash option description", "Channel for match calls")),
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        announcements: discord.TextChannel | None = None,
        matches: discord.TextChannel | None = None,
    ) -> None:
        guild = server_of(interaction)
        if guild is None:
            await reply(interaction, NOT_IN_SERVER)
            return
        if not manages_server(interaction):
            await reply(interaction, REFUSAL)
            return
        if announcements is None and matches is None:
            await reply(
                interaction,
                _("Nothing changed: pick an announcements channel, a matches channel, or both."),
            )
            return
        config = await sync_to_async(store.set_channels)(
            guild.id,
            name=guild.name or "",
            announcement_channel_id=announcements.id if announcements else None,
            match_channel_id=matches.id if matches else None,
        )
        await reply(interaction, _("Saved."), config=config)
