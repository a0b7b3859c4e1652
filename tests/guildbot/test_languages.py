"""The bot's languages are the site's (settings.LANGUAGES); migration 0004 moved every server
on a language no longer offered to English, saying so in the log and on its settings page."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("guildbot", "0003_remove_command_prefix")]
AFTER = [("guildbot", "0004_offered_languages")]
OLD = {"it": 1, "pt": 2, "de": 3, "zh": 4, "en": 5, "ja": 6}


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.fixture
def servers_before(transactional_db):
    """Servers as the settings left them with 13 languages to choose from."""
    apps = migrate(BEFORE)
    Guild, GuildConfig = (
        apps.get_model("guildbot", "Guild"),
        apps.get_model("guildbot", "GuildConfig"),
    )
    for locale, n in OLD.items():
        guild = Guild.objects.create(guild_id=1100000000000000000 + n, name=f"Server {locale}")
        GuildConfig.objects.create(guild=guild, locale=locale)
    yield apps
    migrate(AFTER)


def locales(apps) -> dict[str, tuple[str, str]]:
    GuildConfig = apps.get_model("guildbot", "GuildConfig")
    return {
        config.guild.name: (config.locale, config.dropped_locale)
        for config in GuildConfig.objects.select_related("guild")
    }


def test_a_dropped_language_moves_to_english_and_is_remembered(servers_before, caplog):
    caplog.set_level(logging.INFO, logger="guildbot.migrations")
    apps = migrate(AFTER)
    assert locales(apps) == {
        "Server it": ("en", "it"),
        "Server zh": ("en", "zh"),
        "Server pt": ("pt-br", ""),
        "Server de": ("de", ""),
        "Server en": ("en", ""),
        "Server ja": ("ja", ""),
    }
    said = [
        record.getMessage() for record in caplog.records if record.name == "guildbot.migrations"
    ]
    assert sorted(said) == [
        "Server 1100000000000000001: language it is not offered, so the bot speaks English "
        "there until someone chooses another language on its settings page",
        "Server 1100000000000000002: language pt is now pt-br",
        "Server 1100000000000000004: language zh is not offered, so the bot speaks English "
        "there until someone chooses another language on its settings page",
    ]


def test_it_moves_back_as_it_was(servers_before):
    migrate(AFTER)
    apps = migrate(BEFORE)
    GuildConfig = apps.get_model("guildbot", "GuildConfig")
    assert {c.guild.name: c.locale for c in GuildConfig.objects.select_related("guild")} == {
        f"Server {locale}": locale for locale in OLD
    }
