"""The real `manage.py runbot` against discordsim speaks the server's language in the server
and each person's in what only they see: a server set to German gets its announcement in
German, while a French-speaking player's reply to Join is in French (and a Japanese one's in
Japanese); the slash commands it syncs carry their names and descriptions in every offered
language, and discordsim, validating them as Discord does, accepts them."""

from __future__ import annotations

import time

from django.utils import translation
from django.utils.translation import gettext

from discordsim import sample
from tests.e2e.conftest import wait_for
from tests.e2e.discordplay import (
    ANNOUNCEMENTS,
    HQ,
    answered,
    buttons,
    configure,
    new_tournament,
    organiser,
    start_bot_ready,
    with_button,
)

NAME = "Turnier der Sprachen"


def german_server() -> None:
    """HQ's channels set as an organiser would, and its language German."""
    from guildbot.models import Guild, GuildConfig

    configure()
    config = GuildConfig.objects.for_guild(Guild.objects.get(guild_id=int(HQ)))
    config.locale = "de"
    config.save()


def test_the_server_reads_german_and_each_player_their_own_language(sim, start_bot, make_user):
    started = time.monotonic()
    start_bot_ready(start_bot)
    german_server()
    tournament = new_tournament(organiser(make_user), name=NAME)

    # The announcement, in the server's language; its times are Discord timestamps.
    announcement = wait_for(lambda: with_button(sim, ANNOUNCEMENTS, "fr:join:"))
    start = int(tournament.starts_at.timestamp())
    assert announcement["content"].splitlines() == [
        f"**{NAME}** · Street Fighter 6",
        "Double Elimination · Best of 3",
        f"Beginn: <t:{start}:F> (<t:{start}:R>)",
        "**0** von 16 Teilnehmern. Drück auf „Teilnehmen“, um mitzumachen.",
    ]
    assert list(buttons(announcement)) == ["Teilnehmen", "Austragen"]

    # A French-speaking player presses Join: the reply only they see is in French.
    join = f"fr:join:{tournament.pk}"
    joined = sim.press(announcement["id"], join, sample.BLAZE_ID, locale="fr")
    assert answered(sim, joined) == f"Vous participez à **{NAME}**, seed 1. À bientôt\u202f!"
    assert sim.interaction_response(joined["id"])["callback"]["data"]["flags"] & 64
    # A Japanese one, then the French one again, and an English one: a refusal is in the
    # person's language too.
    nihongo = sim.press(announcement["id"], join, sample.NEWBIE_ID, locale="ja")
    assert answered(sim, nihongo) == f"**{NAME}**に参加しました（シード2）。当日お会いしましょう！"
    again = sim.press(announcement["id"], join, sample.BLAZE_ID, locale="fr")
    with translation.override("fr"):
        refusal = gettext("You are already in %(name)s.") % {"name": NAME}
    assert answered(sim, again) == refusal
    left = sim.press(announcement["id"], f"fr:leave:{tournament.pk}", sample.COLLECTOR_ID)
    assert answered(sim, left) == f"You are not in {NAME}."

    # The count, edited into the announcement, stays German.
    wait_for(
        lambda: "**2** von 16 Teilnehmern" in sim.messages(ANNOUNCEMENTS)[0]["content"],
        message="the entrant count edited in, in German",
    )

    # The commands as synced: every offered language's Discord locales, Discord's rules kept
    # (discordsim refuses a sync that breaks them, so the bot could not have started).
    synced = {command["name"]: command for command in sim.commands()}
    assert set(synced) == {"fightrise", "tournament", "report"}
    assert synced["report"]["name_localizations"] == {
        "de": "melden",
        "es-ES": "reportar",
        "es-419": "reportar",
        "fr": "résultat",
        "ja": "報告",
        "pt-BR": "reportar",
    }
    assert synced["report"]["options"][0]["name_localizations"]["de"] == "ergebnis"
    subcommands = {o["name"]: o for o in synced["tournament"]["options"]}
    assert subcommands["start"]["name_localizations"]["fr"] == "lancer"
    assert subcommands["start"]["description_localizations"]["ja"] == (
        "エントリーを締め切り、最初の試合を呼び出す"
    )
    print(f"\nServer in German, players in French and Japanese: {time.monotonic() - started:.1f}s")
