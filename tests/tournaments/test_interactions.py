"""The bot's handlers: thin calls of the operations, answered within Discord's 3 seconds
(deferred when the work runs long), ephemerally to the one person, with the operations'
refusals; /tournament only for members who may manage the server."""

from __future__ import annotations

import asyncio
import re
import time
from types import SimpleNamespace

import discord
import pytest
from asgiref.sync import async_to_sync

from guildbot.commands import NOT_IN_SERVER
from guildbot.models import GuildConfig
from tests.tournaments.conftest import OWNER, match
from tournaments import interactions, operations, posts
from tournaments.models import Match, Tournament

pytestmark = pytest.mark.django_db(transaction=True)

ADA, BLAZE, NEWBIE = 257069950429175809, 464162408479465473, 1378704647581212673
THREAD = 1300000000000000001


class Recorder:
    """What a handler answered: interaction.response, .followup and the original response."""

    def __init__(self):
        self.calls: list[tuple[str, str | None, dict]] = []
        self.response = SimpleNamespace(
            send_message=self._record("reply"),
            edit_message=self._record("update"),
            defer=self._record("defer"),
        )
        self.followup = SimpleNamespace(send=self._record("followup"))
        self.edit_original_response = self._record("edit_original")

    def _record(self, kind):
        async def call(content=None, **kwargs):
            self.calls.append((kind, kwargs.pop("content", content), kwargs))

        return call

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.calls]

    @property
    def words(self) -> str:
        return self.calls[-1][1]


class Delivery:
    nudged = 0

    def nudge(self):
        self.nudged += 1


def person(
    user_id: int,
    *,
    channel_id: int = 1100000000000000003,
    manage=False,
    owner=OWNER,
    locale=discord.Locale.american_english,
    bot_in_server=True,
):
    """An interaction from this member, whose Discord client speaks `locale`, in a server the
    bot is in (its client has it cached) or, as discord.py has it, one it is not in (a stand-in
    `guild` all the same)."""
    recorder = Recorder()
    cog = SimpleNamespace(delivery=Delivery())
    guild = SimpleNamespace(id=owner, owner_id=None)
    interaction = SimpleNamespace(
        id=99,
        locale=locale,
        guild_id=owner,
        guild=guild,
        channel_id=channel_id,
        user=SimpleNamespace(
            id=user_id,
            display_name={ADA: "Ada", BLAZE: "Blaze"}.get(user_id, "Someone"),
            guild_permissions=discord.Permissions(manage_guild=manage),
        ),
        response=recorder.response,
        followup=recorder.followup,
        edit_original_response=recorder.edit_original_response,
        client=SimpleNamespace(
            get_cog=lambda name: cog, get_guild={owner: guild}.get if bot_in_server else {}.get
        ),
    )
    return interaction, recorder, cog.delivery


def answer(interaction, work, **options):
    async_to_sync(interactions.answer)(interaction, work, **options)


def test_a_join_is_answered_ephemerally_and_sends_its_posts_at_once(make_tournament):
    tournament = make_tournament()
    who, said, delivery = person(ADA)
    answer(who, interactions.join(who, tournament.pk))
    kind, words, options = said.calls[0]
    assert kind == "reply" and options["ephemeral"] is True
    assert words == "You are in **Friday Fights**, seed 1. See you there!"
    assert tournament.entrants.get().name == "Ada"
    assert delivery.nudged == 1


@pytest.mark.parametrize(
    ("handler", "refusal"),
    [
        (interactions.leave, "You are not in Friday Fights."),
        (interactions.check_in, "Check-in for Friday Fights is not open yet."),
    ],
)
def test_a_refusal_is_an_ephemeral_reply_and_sends_nothing(make_tournament, handler, refusal):
    tournament = make_tournament()
    who, said, delivery = person(BLAZE)
    answer(who, handler(who, tournament.pk))
    kind, words, options = said.calls[0]
    assert (kind, options["ephemeral"]) == ("reply", True)
    assert words.startswith(refusal)
    assert delivery.nudged == 0


def test_a_full_tournament_says_so(make_tournament):
    tournament = make_tournament(max_entrants=2, entrants=2)
    who, said, _ = person(ADA)
    answer(who, interactions.join(who, tournament.pk))
    assert said.words == "Friday Fights is full (2 of 2)."


def test_a_press_on_another_servers_tournament_finds_nothing(make_tournament, make_guild):
    elsewhere = make_tournament(guild=make_guild(1100000000000000077))
    who, said, _ = person(ADA)
    answer(who, interactions.join(who, elsewhere.pk))
    assert said.words == "That tournament no longer exists."


def test_slow_work_is_deferred_within_three_seconds_then_answered(make_tournament, monkeypatch):
    monkeypatch.setattr(interactions, "DEFER_AFTER", 0.05)
    tournament = make_tournament()
    who, said, _ = person(ADA)
    join = interactions.join(who, tournament.pk)

    def slow():
        time.sleep(0.3)
        return join()

    answer(who, slow)
    assert said.kinds == ["defer", "followup"]
    assert said.calls[0][2] == {"ephemeral": True, "thinking": True}
    assert said.calls[1][2]["ephemeral"] is True and said.words.startswith("You are in")


def test_an_unexpected_failure_is_logged_and_answered(caplog):
    who, said, delivery = person(ADA)

    def broken():
        raise RuntimeError("boom")

    answer(who, broken)
    assert said.words == interactions.SORRY and delivery.nudged == 0
    assert "Interaction 99 failed" in caplog.text


@pytest.fixture
def reported(make_tournament):
    tournament = make_tournament(format="single_elimination")
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    operations.start(tournament)
    final = match(tournament, "A")
    Match.objects.filter(pk=final.pk).update(thread_id=THREAD)
    return tournament, final


def test_report_in_the_thread_asks_the_opponent(reported):
    tournament, final = reported
    who, said, _ = person(BLAZE, channel_id=THREAD)
    answer(who, interactions.report(who, "2-1"))
    assert said.words == (
        "You reported 2-1 for match A. **Ada** is asked to confirm it in the match's thread."
    )
    assert said.calls[0][2]["ephemeral"] is True


def test_report_refuses_a_score_it_cannot_read(reported):
    who, said, _ = person(BLAZE, channel_id=THREAD)
    answer(who, interactions.report(who, "two-one"))
    assert said.words == operations.SCORE_FORMAT


def test_confirm_updates_the_prompt_and_takes_its_buttons_away(reported):
    tournament, final = reported
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    who, said, delivery = person(ADA)
    answer(who, interactions.confirm(who, final.pk, 1), update=True)
    kind, words, options = said.calls[0]
    assert kind == "update" and options["view"] is None
    assert words == "✅ **Ada** confirmed: Ada 1-2 Blaze. **Blaze** wins **Friday Fights**!"
    assert delivery.nudged == 1
    assert Tournament.objects.get(pk=tournament.pk).state == Tournament.State.COMPLETE


def test_a_refused_confirm_is_ephemeral_and_leaves_the_prompt(reported):
    tournament, final = reported
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    who, said, _ = person(BLAZE)
    answer(who, interactions.confirm(who, final.pk, 1), update=True)
    assert said.calls[0][0] == "reply" and said.calls[0][2]["ephemeral"] is True
    assert "yourself" in said.words


def test_a_slow_confirm_defers_the_update_then_edits_the_prompt(reported, monkeypatch):
    monkeypatch.setattr(interactions, "DEFER_AFTER", 0.05)
    tournament, final = reported
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    who, said, _ = person(ADA)
    dispute = interactions.dispute(who, final.pk, 1)

    def slow():
        time.sleep(0.3)
        return dispute()

    answer(who, slow, update=True)
    assert said.kinds == ["defer", "edit_original"]
    assert said.calls[0][2] == {}  # a deferred update: the prompt stays, no loading message
    assert "disputes this report" in said.words


# /tournament


def test_tournament_commands_are_for_those_who_manage_the_server(make_tournament):
    make_tournament(entrants=2)
    who, said, _ = person(BLAZE, manage=False)
    answer(who, interactions.start(who, None))
    assert said.words == interactions.ORGANISERS_ONLY
    who, said, _ = person(ADA, manage=True)
    answer(who, interactions.start(who, None))
    assert "has started with 2 entrants" in said.words


def test_tournament_commands_from_a_server_with_only_the_commands_say_so(make_tournament):
    make_tournament(entrants=2)
    for command in (interactions.start, interactions.manage):
        who, said, _ = person(ADA, manage=True, bot_in_server=False)
        answer(who, command(who, None))
        assert said.words == NOT_IN_SERVER
    who, said, _ = person(ADA, manage=True, bot_in_server=False)
    answer(who, interactions.list_tournaments(who))
    assert said.words == NOT_IN_SERVER
    assert Tournament.objects.get().state == Tournament.State.REGISTRATION


def test_start_asks_which_one_when_several_are_open(make_tournament):
    make_tournament(name="Friday Fights", entrants=2)
    make_tournament(name="Sunday Showdown", entrants=3)
    who, said, _ = person(ADA, manage=True)
    answer(who, interactions.start(who, None))
    assert said.words.startswith("Which one?") and "**Sunday Showdown**" in said.words
    answer(who, interactions.start(who, "sunday showdown"))
    assert "**Sunday Showdown** has started with 3 entrants" in said.words
    answer(who, interactions.start(who, "Nope"))
    assert said.words == "No tournament here is named **Nope**."


def test_list_and_manage_link_to_the_site(make_tournament, settings):
    settings.SITE_URL = "https://fightrise.example"
    tournament = make_tournament(entrants=2)
    who, said, _ = person(ADA, manage=True)
    answer(who, interactions.list_tournaments(who))
    assert re.match(r"\*\*Friday Fights\*\* · Registration open · 2 of 64 entrants", said.words)
    assert f"<https://fightrise.example/t/{tournament.slug}/manage/>" in said.words
    answer(who, interactions.manage(who, None))
    assert said.words == (
        f"Manage **Friday Fights**: https://fightrise.example/t/{tournament.slug}/manage/"
    )
    settings.SITE_URL = ""
    answer(who, interactions.manage(who, None))
    assert "was not given (SITE_URL)" in said.words


def test_a_server_without_tournaments_says_so():
    who, said, _ = person(ADA, manage=True)
    answer(who, interactions.list_tournaments(who))
    assert said.words.startswith("This server has no tournaments yet")


# The buttons


def test_every_posted_button_comes_back_as_the_same_press(make_tournament):
    tournament = make_tournament()
    message = posts.announcement(tournament)
    for button in message.buttons:
        if not button.custom_id:
            continue
        item = interactions.button_item(button)
        found = interactions.PressButton.__discord_ui_compiled_template__.fullmatch(item.custom_id)
        assert found and found["action"] in interactions.ACTIONS
        assert item.item.label == button.label


def test_a_press_of_a_button_the_bot_never_made_is_answered(make_tournament):
    who, said, _ = person(ADA)
    button = discord.ui.Button(label="?", custom_id="fr:unknown:1")
    pressed = interactions.PressButton(button, "fr:unknown", [1])
    asyncio.run(pressed.callback(who))
    assert said.words == interactions.SORRY


# Languages: what only the person sees follows their Discord client; what the server sees,
# the server's settings.


def speaking(language: str, guild_id: int = OWNER) -> None:
    GuildConfig.objects.filter(guild_id=guild_id).update(locale=language)


def test_a_reply_is_in_the_persons_language_whatever_the_servers(make_tournament):
    tournament = make_tournament()
    speaking("de")
    who, said, _ = person(ADA, locale=discord.Locale.french)
    answer(who, interactions.join(who, tournament.pk))
    assert said.words == "Vous participez à **Friday Fights**, seed 1. À bientôt\u202f!"
    who, said, _ = person(ADA, locale=discord.Locale.latin_american_spanish)
    answer(who, interactions.join(who, tournament.pk))
    assert said.words == "Ya estás en Friday Fights."  # a refusal, in Spanish too


def test_a_refusal_and_a_failure_are_in_the_persons_language(make_tournament):
    tournament = make_tournament()
    who, said, _ = person(BLAZE, locale=discord.Locale.japanese)
    answer(who, interactions.leave(who, tournament.pk))
    assert said.words == "Friday Fightsに参加していません。"

    def broken():
        raise RuntimeError("boom")

    who, said, _ = person(BLAZE, locale=discord.Locale.brazil_portuguese)
    answer(who, broken)
    assert said.words.startswith("Algo deu errado do lado do FightRise")
    who, said, _ = person(ADA, locale=discord.Locale.german)
    button = discord.ui.Button(label="?", custom_id="fr:unknown:1")
    asyncio.run(interactions.PressButton(button, "fr:unknown", [1]).callback(who))
    assert said.words.startswith("Bei FightRise ist etwas schiefgelaufen")


def test_a_locale_fightrise_does_not_speak_gets_english(make_tournament):
    tournament = make_tournament()
    speaking("ja")
    for locale in (discord.Locale.korean, discord.Locale.british_english, None):
        who, said, _ = person(ADA, locale=locale)
        answer(who, interactions.leave(who, tournament.pk))
        assert said.words == "You are not in Friday Fights."


def test_confirm_edits_the_prompt_in_the_servers_language(reported):
    """The prompt in the match's thread is the server's: its update is in German for all,
    while a refusal goes to the person, in theirs."""
    tournament, final = reported
    speaking("de")
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    who, said, _ = person(BLAZE, locale=discord.Locale.french)
    answer(who, interactions.confirm(who, final.pk, 1), update=True)
    assert said.calls[-1][0] == "reply"
    assert said.words == (
        "C’est vous qui avez déclaré ce score\u00a0: c’est à votre adversaire de le confirmer."
    )
    who, said, _ = person(ADA, locale=discord.Locale.french)
    answer(who, interactions.confirm(who, final.pk, 1), update=True)
    assert said.calls[-1][0] == "update"
    assert said.words == (
        "✅ **Ada** hat bestätigt: Ada 1-2 Blaze. **Blaze** gewinnt **Friday Fights**!"
    )


def test_dispute_edits_the_prompt_in_the_servers_language(reported):
    tournament, final = reported
    speaking("es")
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    who, said, _ = person(ADA, locale=discord.Locale.japanese)
    answer(who, interactions.dispute(who, final.pk, 1), update=True)
    assert said.words == "⚠️ **Ada** disputa este reporte: lo resuelve la organización."


def test_report_and_tournament_commands_answer_in_the_persons_language(reported, settings):
    settings.SITE_URL = "https://fightrise.example"
    tournament, final = reported
    speaking("fr")
    who, said, _ = person(BLAZE, channel_id=THREAD, locale=discord.Locale.german)
    answer(who, interactions.report(who, "2-1"))
    assert said.words == (
        "Du hast 2-1 für Match A gemeldet. **Ada** wird im Thread des Matches gebeten, es zu "
        "bestätigen."
    )
    answer(who, interactions.report(who, "zwei"))
    assert said.words.startswith("Gib das Ergebnis als deine Spiele")
    who, said, _ = person(ADA, manage=True, locale=discord.Locale.japanese)
    answer(who, interactions.list_tournaments(who))
    assert "**Friday Fights** · 進行中 · 参加者2 / 64人 · <t:" in said.words
    answer(who, interactions.start(who, "Nope"))
    assert said.words == "ここに**Nope**という名前の大会はありません。"


def test_a_time_in_a_refusal_is_a_discord_timestamp(make_tournament):
    """Each reader sees it in their own zone, as in a post (the site writes the server's)."""
    tournament = make_tournament(check_in_minutes=30)
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    who, said, _ = person(BLAZE, locale=discord.Locale.german)
    answer(who, interactions.check_in(who, tournament.pk))
    opens = int(tournament.check_in_opens_at.timestamp())
    assert said.words.endswith(f"<t:{opens}:F>.")
    assert said.words.startswith("Der Check-in für Friday Fights")


def test_a_read_nudges_no_delivery(make_tournament):
    """/tournament list and manage write no posts (the cog answers them with writes=False):
    the delivery is not woken for nothing, where a join wakes it."""
    make_tournament(entrants=2)
    who, said, delivery = person(ADA, manage=True)
    answer(who, interactions.list_tournaments(who), writes=False)
    answer(who, interactions.manage(who, None), writes=False)
    assert said.kinds == ["reply", "reply"] and delivery.nudged == 0
