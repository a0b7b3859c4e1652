"""fightrise.languages: Discord's locales onto the languages FightRise speaks."""

from __future__ import annotations

import discord
import pytest
from django.utils import translation

from fightrise.languages import for_discord
from tournaments.operations import Refused


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de", "de"),
        ("fr", "fr"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("pt-BR", "pt-br"),
        ("ja", "ja"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("it", "en"),
        ("zh-CN", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_it_maps_a_discord_locale_to_an_offered_language(locale, language):
    assert for_discord(locale) == language


def test_every_discord_locale_gets_an_offered_language(settings):
    offered = {code for code, _ in settings.LANGUAGES}
    assert {for_discord(locale) for locale in discord.Locale} == offered


def test_a_refusal_is_said_in_the_language_active_when_shown():
    """The bot's half: one Refused, shown to each person in their language."""
    refused = Refused(translation.gettext_lazy("%(name)s is over."), name="Friday Fights")
    with translation.override(for_discord(discord.Locale.french)):
        assert str(refused) == "Friday Fights est terminé."
    with translation.override(for_discord(discord.Locale.japanese)):
        assert str(refused) == "Friday Fightsは終了しました。"
    assert str(refused) == "Friday Fights is over."
