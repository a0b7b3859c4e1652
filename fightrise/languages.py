"""The languages FightRise speaks, shared by the site and the bot: settings.LANGUAGES, each
with a complete catalogue in locale/ (gettext domain `django`, Django's own i18n).

To say something in a language, activate it around the words, as the site's
LocaleMiddleware does for each request:

    with translation.override(config.locale):                 # a post in a server
        ...
    with translation.override(for_discord(interaction.locale)):  # a reply to one person
        ...

Marked messages (gettext_lazy, ngettext_lazy, a Refused) turn into words in the language
active when they are made into text.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext


def for_discord(locale: object) -> str:
    """The offered language for a Discord locale (discord.Locale or its value: "de",
    "es-419", "pt-BR", "en-GB"): that language or its nearest offered variant, else English."""
    code = str(getattr(locale, "value", locale) or "").lower()
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return settings.LANGUAGE_CODE


def listed(names) -> str:
    """Names as a list in the active language ("Ada, Blaze"; Japanese "Ada、Blaze")."""
    return pgettext("between the names of a list", ", ").join(str(name) for name in names)
