"""runbot loads its features as discord.py extensions named by BOT_EXTENSIONS."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from guildbot.bot import FightRiseBot
from tests.guildbot import feature


def test_it_loads_the_extensions_the_setting_names(settings):
    settings.BOT_EXTENSIONS = ["tests.guildbot.feature"]
    bot = FightRiseBot(shard_count=1)
    async_to_sync(bot.load_features)()
    # discord.py loads an extension as a module of its own (not sys.modules' copy).
    assert bot.extensions["tests.guildbot.feature"].LOADED == [bot]
    assert feature.LOADED == []


@pytest.mark.django_db
def test_the_tournaments_extension_is_the_default_and_brings_its_commands(settings):
    from django.conf import settings as configured

    assert configured.BOT_EXTENSIONS == ["tournaments.extension"]
    bot = FightRiseBot(shard_count=1)

    async def load():
        await bot.load_features()
        names = {command.name for command in bot.tree.get_commands()}
        await bot.unload_extension("tournaments.extension")
        return names, bot.get_cog("Tournaments")

    names, cog = async_to_sync(load)()
    assert {"report", "tournament"} <= names
    assert cog is None  # unloaded cleanly
    tournament = bot.tree.get_command("tournament")
    assert tournament is None
