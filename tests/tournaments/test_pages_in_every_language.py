"""Every page in every offered language: it renders, says its language, and shows no English
word it has a translation for. A refusal and a result message come back translated too."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation

from tests.tournaments.conftest import MEMBER, OWNER, match, play_out
from tournaments import operations, outbox

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@pytest.fixture
def organiser(client, sign_in, make_guild):
    for guild_id in (OWNER, MEMBER):
        make_guild(guild_id, name=f"Server {guild_id}")
    sign_in(client)
    return client


def speak(client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def page(client, path: str, language: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    body = response.content.decode()
    assert f'<html lang="{language}" dir="ltr">' in body, path
    return body


def english_left(body: str, words: list[str]) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", body)
    return [word for word in words if word in text]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organisers_pages_are_in_the_chosen_language(
    organiser, make_tournament, started, language
):
    speak(organiser, language)
    registering = make_tournament(entrants=3, check_in_minutes=30)
    checking_in = make_tournament(entrants=2, check_in_minutes=30, name="Checking in")
    operations.open_check_in(checking_in)
    underway = started(entrants=6, max_entrants=8)
    complete = started(entrants=4, name="Finished")
    play_out(complete)
    english = [
        "Next step",
        "Entrants",
        "Save seeds",
        "To play now",
        "Waiting for players",
        "Edit details",
        "Save changes",
        "stays open",
    ]
    for path in (
        "/dashboard/",
        f"/dashboard/guilds/{OWNER}/",
        f"/dashboard/guilds/{OWNER}/tournaments/new/",
        f"/t/{registering.slug}/manage/",
        f"/t/{registering.slug}/edit/",
        f"/t/{checking_in.slug}/edit/",
        f"/t/{underway.slug}/manage/",
        f"/t/{complete.slug}/manage/",
    ):
        assert english_left(page(organiser, path, language), english) == [], path


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_page_is_in_the_chosen_language(client, started, language):
    speak(client, language)
    tournament = started(entrants=5)
    body = page(client, f"/t/{tournament.slug}/", language)
    english = ["Winners' bracket", "Losers' bracket", "Grand final", "Starts"]
    assert english_left(body, english) == []
    with translation.override(language):
        assert translation.gettext("Winners' bracket") in body
        assert translation.gettext("Best of %(n)s") % {"n": 3} in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_error_and_outcome_pages_are_in_the_chosen_language(client, language):
    speak(client, language)
    for path in ("/", "/auth/error/?error=access_denied", "/auth/success/", "/no-such-page/"):
        response = client.get(path)
        assert f'<html lang="{language}"' in response.content.decode()
    body = client.get("/auth/error/?error=access_denied").content.decode()
    assert english_left(body, ["You cancelled on Discord", "Back to the start"]) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusals_and_results_come_back_in_the_chosen_language(organiser, started, language):
    speak(organiser, language)
    tournament = started(entrants=4)
    first = match(tournament, "A")
    url = f"/t/{tournament.slug}/matches/{first.pk}/"
    said = organiser.post(url, {"score_1": "5", "score_2": "0"}, follow=True)
    refusal = [m.message for m in said.context["messages"]][-1]
    with translation.override(language):
        expected = translation.ngettext(
            "%(score_1)s-%(score_2)s cannot end a best of %(best_of)s: the winner takes "
            "%(wins)d game and the loser fewer.",
            "%(score_1)s-%(score_2)s cannot end a best of %(best_of)s: the winner takes "
            "%(wins)d games and the loser fewer.",
            2,
        ) % {"score_1": 5, "score_2": 0, "best_of": 3, "wins": 2}
    assert refusal == expected
    said = organiser.post(url, {"score_1": "2", "score_2": "1"}, follow=True)
    result = [m.message for m in said.context["messages"]][-1]
    with translation.override(language):
        expected = translation.gettext("Match %(match)s: %(result)s.") % {
            "match": "A",
            "result": f"{first.player_1.name} 2-1 {first.player_2.name}",
        }
    assert result == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_the_manage_page_says_about_discord_is_in_the_chosen_language(
    organiser, make_tournament, language
):
    """The bot offline, a refused post with what to fix, a channel not set, a report."""
    speak(organiser, language)
    tournament = make_tournament(format="single_elimination")
    tournament.guild.channels = [{"id": "1100000000000000002", "name": "matches"}]
    tournament.guild.save()
    operations.join(tournament, discord_id=257069950429175809, name="Ada")
    operations.join(tournament, discord_id=464162408479465473, name="Blaze")
    path = f"/t/{tournament.slug}/manage/"
    body = page(organiser, path, language)
    english = ["FightRise is offline", "No announcements channel", "No matches channel"]
    assert english_left(body, english) == []
    post = tournament.posts.order_by("id").first()
    outbox.claim(post.pk, "token", lease=30)
    outbox.fail(
        post.pk,
        "token",
        problem=outbox.MISSING_PERMISSIONS,
        error_code=50013,
        detail="1100000000000000002:send_messages",
    )
    operations.start(tournament)
    final = match(tournament, "A")
    operations.report(tournament, final.pk, discord_id=464162408479465473, mine=2, theirs=1)
    body = page(organiser, path, language)
    english = [
        "Posting in Discord has stopped",
        "FightRise may not post",
        "Send Messages",
        "Retry",
        "to go out, in order",
        "(their games first)",
    ]
    assert english_left(body, english) == []
    with translation.override(language):
        assert translation.gettext("Send Messages") in body
        assert translation.pgettext("button: send the refused posts again", "Retry") in body
