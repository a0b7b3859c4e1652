"""Slash commands: /fightrise config and /fightrise setup, for server managers.

Discord hides the group from members without Manage Server (its default member permissions),
but a server's admins may grant it to others in Server Settings > Integrations, so setup
still checks the member's server permissions itself.
"""

from __future__ import annotations

import discord
from asgiref.sync import sync_to_async
from discord import app_commands

from fightrise.permissions import may_manage
from guildbot import store
from guildbot.models import GuildConfig

REFUSAL = "Only members with the Manage Server permission can change FightRise's settings."
NOT_IN_SERVER = (
    "The FightRise bot is not in this server, only its commands. Add the bot from your "
    "FightRise dashboard (Add to server), then try again."
)


def describe(config: GuildConfig) -> discord.Embed:
    def channel(channel_id: int | None) -> str:
        return f"<#{channel_id}>" if channel_id else "not set"

    embed = discord.Embed(title="FightRise settings", colour=0xE0452E)
    embed.add_field(name="Announcements", value=channel(config.announcement_channel_id))
    embed.add_field(name="Matches", value=channel(config.match_channel_id))
    embed.add_field(name="Language", value=config.get_locale_display())
    embed.add_field(name="Time zone", value=config.timezone)
    return embed


def manages_server(interaction: discord.Interaction) -> bool:
    """Owner, Administrator or Manage Server, at the server level.

    `interaction.permissions` are the member's permissions in the channel, after its
    overwrites; Manage Server is a server-wide permission, so it is read from the member's
    roles (discord.py's Member.guild_permissions, which counts the owner and Administrator).
    """
    guild, member = interaction.guild, interaction.user
    if guild is None:  # the bot is not in the server, so its roles are unknown
        return False
    return may_manage(member.guild_permissions.value, owner=guild.owner_id == member.id)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FightRiseCommands(app_commands.Group, name="fightrise", description="FightRise tournaments"):
    @app_commands.command(name="config", description="Show FightRise's settings for this server")
    async def show_config(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        if guild is None:
            # Only the commands are installed here: nothing to read, and no row to invent.
            await interaction.response.send_message(NOT_IN_SERVER, ephemeral=True)
            return
        config = await sync_to_async(store.config_for)(guild.id, name=guild.name or "")
        await interaction.response.send_message(embed=describe(config), ephemeral=True)

    @app_commands.command(
        name="setup", description="Choose where FightRise announces and calls matches"
    )
    @app_commands.describe(
        announcements="Channel for tournament announcements", matches="Channel for match calls"
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        announcements: discord.TextChannel | None = None,
        matches: discord.TextChannel | None = None,
    ) -> None:
        guild = interaction.guild
        if guild is None:
            await interaction.response.send_message(NOT_IN_SERVER, ephemeral=True)
            return
        if not manages_server(interaction):
            await interaction.response.send_message(REFUSAL, ephemeral=True)
            return
        if announcements is None and matches is None:
            await interaction.response.send_message(
                "Nothing changed: pick an announcements channel, a matches channel, or both.",
                ephemeral=True,
            )
            return
        config = await sync_to_async(store.set_channels)(
            guild.id,
            name=guild.name or "",
            announcement_channel_id=announcements.id if announcements else None,
            match_channel_id=matches.id if matches else None,
        )
        await interaction.response.send_message("Saved.", embed=describe(config), ephemeral=True)
