"""Slash commands: /fightrise config for anyone, /fightrise setup for server managers."""

from __future__ import annotations

import discord
from asgiref.sync import sync_to_async
from discord import app_commands

from fightrise.permissions import may_manage
from guildbot import store
from guildbot.models import GuildConfig

REFUSAL = "Only members with the Manage Server permission can change FightRise's settings."


def describe(config: GuildConfig) -> discord.Embed:
    def channel(channel_id: int | None) -> str:
        return f"<#{channel_id}>" if channel_id else "not set"

    embed = discord.Embed(title="FightRise settings", colour=0xE0452E)
    embed.add_field(name="Announcements", value=channel(config.announcement_channel_id))
    embed.add_field(name="Matches", value=channel(config.match_channel_id))
    embed.add_field(name="Prefix", value=f"`{config.prefix}`")
    embed.add_field(name="Language", value=config.get_locale_display())
    embed.add_field(name="Time zone", value=config.timezone)
    return embed


class FightRiseCommands(app_commands.Group):
    def __init__(self):
        super().__init__(name="fightrise", description="FightRise tournaments", guild_only=True)

    @app_commands.command(name="config", description="Show FightRise's settings for this server")
    async def show_config(self, interaction: discord.Interaction) -> None:
        guild = interaction.guild
        config = await sync_to_async(store.config_for)(
            interaction.guild_id, name=guild.name if guild else ""
        )
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
        # Discord resolves the member's permissions in the channel; owners hold them all.
        if not may_manage(interaction.permissions.value):
            await interaction.response.send_message(REFUSAL, ephemeral=True)
            return
        if announcements is None and matches is None:
            await interaction.response.send_message(
                "Nothing changed: pick an announcements channel, a matches channel, or both.",
                ephemeral=True,
            )
            return
        guild = interaction.guild
        config = await sync_to_async(store.set_channels)(
            interaction.guild_id,
            name=guild.name if guild else "",
            announcement_channel_id=announcements.id if announcements else None,
            match_channel_id=matches.id if matches else None,
        )
        await interaction.response.send_message("Saved.", embed=describe(config), ephemeral=True)
