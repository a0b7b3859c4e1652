"""Slash commands in each person's Discord language: the Translator gives every command,
subcommand and option of the bot (/fightrise and the tournaments' extension) a name and a
description in each offered language's Discord locales, from the catalogues, within
Discord's rules; English and the locales FightRise does not speak keep the defaults."""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from discord import Locale, app_commands
from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import pgettext, pgettext_lazy

from fightrise.languages import for_discord
from guildbot.bot import FightRiseBot
from guildbot.commands import FightRiseCommands
from guildbot.translator import Translator, slash, valid_name

# Discord's locales (Reference > Locales) for each offered language but English: for the
# six of now, de, es-ES and es-419, fr, ja, pt-BR; a language added later gets its own.
DISCORD_LOCALES = {
    locale.value: for_discord(locale)
    for locale in Locale
    if for_discord(locale) != settings.LANGUAGE_CODE
}


def test_every_offered_language_is_one_discord_offers():
    """Or its people would get their replies, and Discord its command names, in English."""
    offered = {code for code, _ in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    assert set(DISCORD_LOCALES.values()) == offered
    assert {"de": "de", "es-ES": "es", "es-419": "es", "fr": "fr", "ja": "ja"}.items() <= (
        DISCORD_LOCALES.items()
    )
    assert DISCORD_LOCALES["pt-BR"] == "pt-br"


Where = app_commands.TranslationContextLocation
REPORT = pgettext_lazy("slash command name", "report")


@pytest.fixture
def synced(db) -> list[dict]:
    """What discord.py sends Discord when the bot syncs its commands."""
    bot = FightRiseBot(shard_count=1)

    async def build():
        bot.tree.add_command(FightRiseCommands())
        await bot.load_features()
        await bot.tree.set_translator(Translator())
        try:
            return [
                await command.get_translated_payload(bot.tree, bot.tree.translator)
                for command in bot.tree.get_commands()
            ]
        finally:
            await bot.unload_extension("tournaments.extension")

    return async_to_sync(build)()


def nodes(commands: list[dict], path: str = "") -> list[tuple[str, dict, list[dict]]]:
    """Every command, subcommand and option: (its path, itself, its siblings)."""
    found = []
    for item in commands:
        here = f"{path} {item['name']}".strip()
        found.append((here, item, commands))
        found += nodes(item.get("options", []), here)
    return found


def test_every_name_and_description_is_localized_for_each_offered_language(synced):
    paths = {path for path, _, _ in nodes(synced)}
    assert {"fightrise setup announcements", "tournament start name", "report score"} <= paths
    for path, item, _ in nodes(synced):
        assert set(item.get("name_localizations", {})) == set(DISCORD_LOCALES), path
        assert set(item.get("description_localizations", {})) == set(DISCORD_LOCALES), path


def test_the_names_are_the_catalogues_and_follow_discords_rules(synced):
    for path, item, siblings in nodes(synced):
        for locale, language in DISCORD_LOCALES.items():
            name = item["name_localizations"][locale]
            context = "slash option name" if item["type"] > 2 else "slash command name"
            with translation.override(language):
                assert name == pgettext(context, item["name"]), (path, locale)
            assert valid_name(name), (path, locale, name)
            description = item["description_localizations"][locale]
            assert 1 <= len(description) <= 100, (path, locale)
            # Localized names are distinct among the options of one command, in the locale
            # and from the others' default names (Discord refuses the sync otherwise).
            others = [s for s in siblings if s is not item]
            taken = {s["name"] for s in others} | {s["name_localizations"][locale] for s in others}
            assert name not in taken, (path, locale)


def test_discord_gets_the_english_and_sends_it_back():
    """Discord shows the default to everyone else and names options by it in interactions."""
    group = FightRiseCommands()
    assert (group.name, group.description) == ("fightrise", "FightRise tournaments")
    setup = group.get_command("setup")
    assert [p.name for p in setup.parameters] == ["announcements", "matches"]
    assert slash(REPORT).message == "report"


def translate(string, locale, where=Where.command_name):
    context = app_commands.TranslationContext(location=where, data=None)
    return async_to_sync(Translator().translate)(string, locale, context)


def test_english_and_the_languages_not_offered_keep_the_default():
    report = slash(REPORT)
    assert translate(report, Locale.german) == "melden"
    assert translate(report, Locale.latin_american_spanish) == translate(
        report, Locale.spain_spanish
    )
    for locale in (Locale.american_english, Locale.british_english, Locale.korean, Locale.italian):
        assert translate(report, locale) is None
    # A string discord.py made itself (not marked for the catalogues) is left alone.
    assert translate(app_commands.locale_str("report"), Locale.german) is None


def test_a_translated_name_discord_would_refuse_stays_english(caplog):
    """One bad translation must not make Discord refuse the whole sync (and the bot not
    start): the name stays English, with a warning."""

    def german_with_a_capital() -> str:
        return "Ergebnis melden" if translation.get_language() == "de" else "report"

    bad = slash(lazy(german_with_a_capital, str)())
    with caplog.at_level(logging.WARNING, logger="guildbot.translator"):
        assert translate(bad, Locale.german) is None
    assert "breaks Discord's naming rules" in caplog.text
    # As a description, the same words are fine.
    assert translate(bad, Locale.german, Where.command_description) == "Ergebnis melden"
    too_long = slash(lazy(lambda: "x" * 101, str)())
    assert translate(too_long, Locale.french, Where.parameter_description) is None


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("melden", True),
        ("paramètres", True),
        ("configurações", True),
        ("報告", True),
        ("セットアップ", True),
        ("Melden", False),
        ("mein turnier", False),
        ("x" * 33, False),
        ("", False),
    ],
)
def test_discords_naming_rules(name, valid):
    assert valid_name(name) is valid
