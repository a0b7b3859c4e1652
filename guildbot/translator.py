"""Slash commands in each person's Discord language, from the same catalogues as the site.

Each name and description is marked where it is written (`pgettext_lazy` with the context
"slash command name", "slash option name" or "slash command description", so makemessages
finds it) and handed to discord.py through `slash`, as a `locale_str` whose message is the
English (what Discord shows by default and sends back in every interaction) and whose
extras keep the marked text. When the tree syncs, discord.py asks the `Translator` for every
string in every Discord locale; it answers for the locales of an offered language
(`for_discord`: de, es-ES and es-419, fr, ja, pt-BR) and leaves the others to the English.

A translated name Discord would refuse (not lowercase, a space, longer than 32) would make
Discord refuse the whole sync, and the bot would not start: such a name stays English, with
a warning in the log. tests/guildbot/test_translator.py holds every catalogue to the rules.
"""

from __future__ import annotations

import logging
import re

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from fightrise.languages import for_discord

logger = logging.getLogger(__name__)

# Interactions > Application Commands > Application Command Naming: \p{L} and \p{N} (what
# Python's \w matches, with the underscore), Devanagari and Thai, lowercase where a letter
# has a lowercase form.
NAME = re.compile(r"^[-_'\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")
DESCRIPTION_LENGTH = 100
NAMES = (Where.command_name, Where.group_name, Where.parameter_name)
DESCRIPTIONS = (Where.command_description, Where.group_description, Where.parameter_description)


def valid_name(name: str) -> bool:
    return bool(NAME.match(name)) and name == name.lower()


def slash(text: Promise) -> app_commands.locale_str:
    """A marked name or description as discord.py takes it: the English as the message,
    the marked text in the extras for the Translator."""
    with translation.override(None):
        english = str(text)
    return app_commands.locale_str(english, text=text)


def discord_locales() -> dict[Locale, str]:
    """Each Discord locale that has an offered language other than English, with it."""
    found = {locale: for_discord(locale) for locale in Locale}
    return {locale: code for locale, code in found.items() if code != settings.LANGUAGE_CODE}


class Translator(app_commands.Translator):
    """The catalogues' words for each slash command's names and descriptions."""

    def __init__(self) -> None:
        self.languages = discord_locales()

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = self.languages.get(locale)
        text = string.extras.get("text")
        if language is None or text is None:
            return None
        with translation.override(language):
            said = str(text)
        if context.location in NAMES and not valid_name(said):
            logger.warning(
                "The %s name %r for %r breaks Discord's naming rules; it stays %r",
                language,
                said,
                string.message,
                string.message,
            )
            return None
        if context.location in DESCRIPTIONS and not 1 <= len(said) <= DESCRIPTION_LENGTH:
            logger.warning(
                "The %s description for %r is longer than Discord allows; it stays English",
                language,
                string.message,
            )
            return None
        return said
