"""What the bot posts in a server is in the server's language (its settings' locale), the one
fixed on the row at its first attempt; every time in a post is a Discord timestamp, which
each reader sees in their own zone and language."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from guildbot.models import GuildConfig
from tests.tournaments.conftest import match
from tournaments import operations, outbox, posts
from tournaments.models import Post, Tournament

pytestmark = pytest.mark.django_db

Kind = Post.Kind
ADA, BLAZE = 257069950429175809, 464162408479465473
LANGUAGES = [code for code, _ in settings.LANGUAGES]
# English words of the posts that every other language says otherwise.
ENGLISH = [
    "Starts ",
    "entrants",
    "Press Join",
    "Check-in for",
    "Playing now",
    "Play your set",
    "reports **",
    "Is that right?",
    "disputes",
    "is over. Final standings",
    "results were reopened",
    "was cancelled",
    "now starts",
]


def speaking(guild, language: str) -> None:
    GuildConfig.objects.filter(guild=guild).update(
        locale=language, announcement_channel_id=1, match_channel_id=2
    )


def every_post(make_tournament, make_user, language: str) -> list[posts.Message]:
    """A tournament through every kind of post, each planned as the bot would at once."""
    creator = make_user(discord_id=ADA)
    tournament = make_tournament(
        created_by=creator, format="single_elimination", check_in_minutes=30
    )
    speaking(tournament.guild, language)
    said: list[posts.Message] = []
    planned: set[int] = set()

    def plan_new() -> None:
        for post in tournament.posts.exclude(pk__in=planned).order_by("id"):
            planned.add(post.pk)
            plan = posts.plan(post)
            said.extend(m for m in (plan.message, plan.thread_message) if m is not None)
            said.extend(edit.message for edit in plan.edits)
            # What it made, so the edits after it have something to edit.
            post.state, post.channel_id, post.message_id = Post.State.DONE, 1, 3 + post.pk
            post.save()

    plan_new()
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    moved(tournament, hours=1)  # the start notice
    operations.open_check_in(tournament)
    for person in (ADA, BLAZE):
        operations.check_in(tournament, discord_id=person)
    plan_new()
    operations.start(tournament)
    plan_new()
    final = match(tournament, "A")
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    plan_new()
    operations.dispute(tournament, final.pk, discord_id=ADA, version=1)
    plan_new()
    with translation.override(language):  # the call as the dispute leaves it
        said.append(posts.call_message(tournament, match(tournament, "A")))
    operations.set_result(tournament, final.pk, score_1=2, score_2=0)
    plan_new()
    operations.reset(tournament, final.pk)  # the standings posted say it is on again
    plan_new()
    other = make_tournament(name="Sunday Showdown", created_by=creator)
    tournament = other
    plan_new()
    operations.cancel(other)
    plan_new()
    return said


def moved(tournament, *, hours: int) -> None:
    start = Tournament.objects.get(pk=tournament.pk).local_starts_at().replace(tzinfo=None)
    operations.edit(tournament, starts_at=start + timedelta(hours=hours))


def words(messages: list[posts.Message]) -> str:
    return "\n".join([m.content for m in messages] + [b.label for m in messages for b in m.buttons])


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_post_is_in_the_servers_language(make_tournament, make_user, language):
    said = words(every_post(make_tournament, make_user, language))
    assert [english for english in ENGLISH if english in said] == []
    with translation.override(language):
        assert gettext("Bracket") in said or not settings.SITE_URL
        assert gettext("Disputed: the organiser settles it.") in said
    assert "<@257069950429175809>" in said  # mentions stay mentions


def test_a_german_server_reads_its_announcement_in_german(make_tournament):
    tournament = make_tournament(check_in_minutes=30)
    speaking(tournament.guild, "de")
    plan = posts.plan(tournament.posts.get())
    start = int(tournament.starts_at.timestamp())
    opens = int(tournament.check_in_opens_at.timestamp())
    assert plan.message.content.splitlines() == [
        "**Friday Fights** · Street Fighter 6",
        "Double Elimination · Best of 3",
        f"Beginn: <t:{start}:F> (<t:{start}:R>)",
        "**0** von 64 Teilnehmern. Drück auf „Teilnehmen“, um mitzumachen. Der Check-in "
        f"öffnet <t:{opens}:R>.",
    ]
    assert [b.label for b in plan.message.buttons][:2] == ["Teilnehmen", "Austragen"]
    # The buttons' custom_ids, by which a restarted bot finds its message, do not change.
    assert plan.message.custom_ids == {f"fr:join:{tournament.pk}", f"fr:leave:{tournament.pk}"}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "**Friday Fights** now starts {now_f} ({now_r}), not {was}."),
        ("de", "**Friday Fights** beginnt jetzt am {now_f} ({now_r}), nicht mehr am {was}."),
        ("es", "**Friday Fights** ahora empieza el {now_f} ({now_r}), ya no el {was}."),
        ("fr", "**Friday Fights** commence désormais le {now_f} ({now_r}), et non plus le {was}."),
        ("ja", "**Friday Fights**の開始が{now_f}（{now_r}）に変更されました（変更前：{was}）。"),
        ("pt-br", "**Friday Fights** agora começa em {now_f} ({now_r}), não mais em {was}."),
    ],
)
def test_a_moved_start_is_said_in_the_servers_language(make_tournament, language, words):
    tournament = make_tournament(entrants=1)
    speaking(tournament.guild, language)
    tournament.posts.update(state=Post.State.DONE, channel_id=1, message_id=3)  # announced
    was = int(tournament.starts_at.timestamp())
    moved(tournament, hours=2)
    now = was + 2 * 3600
    plan = posts.plan(tournament.posts.get(kind=Kind.START_MOVED))
    assert plan.message.content == words.format(
        now_f=f"<t:{now}:F>", now_r=f"<t:{now}:R>", was=f"<t:{was}:F>"
    )
    assert plan.message.mentions == ()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_time_in_a_post_is_a_discord_timestamp(make_tournament, make_user, language):
    said = words(every_post(make_tournament, make_user, language))
    stamps = re.findall(r"<t:(\d+):([FR])>", said)
    assert stamps, "the announcement and check-in say when"
    left = re.sub(r"<t:\d+:[FR]>", "", said)
    # No clock time, date or year written out: Discord shows each reader their own.
    assert re.findall(r"\b\d{1,2}[:h]\d{2}\b|\b20\d\d\b", left) == []


def test_a_post_keeps_the_language_of_its_first_attempt(make_tournament):
    tournament = make_tournament()
    speaking(tournament.guild, "de")
    post = outbox.claim(tournament.posts.get().pk, uuid.uuid4().hex, lease=30)
    assert post.payload["language"] == "de"
    GuildConfig.objects.filter(guild=tournament.guild).update(locale="fr")
    post.refresh_from_db()
    assert "Beginn:" in posts.plan(post).message.content  # as the first attempt wrote it
    # A post not yet tried speaks the server's language of now.
    tournament.posts.update(state=Post.State.DONE, channel_id=1, message_id=3)
    operations.cancel(tournament)
    cancelled = tournament.posts.get(kind=Kind.CANCELLED)
    assert "annulé" in posts.plan(cancelled).message.content


def test_a_server_without_settings_is_spoken_to_in_english(make_tournament):
    tournament = make_tournament()
    GuildConfig.objects.filter(guild=tournament.guild).delete()
    assert posts.language(tournament.posts.get(), None) == "en"
    assert GuildConfig.objects.language(tournament.guild_id) == "en"
