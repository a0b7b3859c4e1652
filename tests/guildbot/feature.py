"""A discord.py extension for tests/guildbot/test_extensions.py: it records being loaded."""

from discord.ext import commands

LOADED: list[commands.Bot] = []


async def setup(bot: commands.Bot) -> None:
    LOADED.append(bot)
