"""The organiser's pages: create, the server's list, manage and a match's form. Only people
who may manage the server see them; every bad value comes back with a message."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Session
from guildbot.models import Guild
from tests import discord_payloads as p
from tests.tournaments.conftest import (
    ADMIN,
    MANAGER,
    MEMBER,
    OWNER,
    STRANGER,
    in_a_week,
    match,
    win,
)
from tournaments import operations
from tournaments.models import Entrant, Match, Tournament

pytestmark = pytest.mark.django_db

State = Tournament.State


def last_sunday(month: int) -> date:
    """The next last Sunday of `month`: when Europe's clocks change (March, October)."""
    today = timezone.now().date()
    for year in (today.year, today.year + 1):
        day = date(year, month, 31 if month in (3, 10) else 30)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if day > today:
            return day
    raise AssertionError("no such Sunday")


SPRING_GAP = f"{last_sunday(3)}T02:30"
AUTUMN_OVERLAP = f"{last_sunday(10)}T02:30"


def new_url(guild_id) -> str:
    return f"/dashboard/guilds/{guild_id}/tournaments/new/"


def form(**changes) -> dict:
    return {
        "name": "Friday Fights",
        "game": "Street Fighter 6",
        "format": "double_elimination",
        "best_of": "3",
        "starts_at": in_a_week().strftime("%Y-%m-%dT%H:%M"),
        "check_in_minutes": "30",
        "max_entrants": "32",
        **changes,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def after(client, response) -> list[str]:
    """The messages the page a POST redirected to shows."""
    assert response.status_code == 302, response
    return messages_of(client.get(response["Location"]))


@pytest.fixture
def bot_everywhere(make_guild):
    for guild_id in (OWNER, ADMIN, MANAGER, MEMBER, STRANGER):
        make_guild(guild_id, name=f"Server {guild_id}")


@pytest.fixture
def organiser(client, sign_in, bot_everywhere):
    sign_in(client)
    return client


def discord_cannot_confirm(client_key, fake_discord):
    Session.objects.for_key(client_key).update(
        guilds_fetched_at=timezone.now() - timedelta(days=10)
    )
    fake_discord.guilds(status=500, json={})


# Creating


@pytest.mark.parametrize("guild_id", [OWNER, ADMIN, MANAGER])
def test_managers_create_a_tournament_in_the_servers_time_zone(organiser, make_user, guild_id):
    page = organiser.get(new_url(guild_id))
    assert page.status_code == 200
    assert (
        "Europe/Paris" in page.content.decode() and 'type="datetime-local"' in page.content.decode()
    )
    response = organiser.post(new_url(guild_id), form())
    tournament = Tournament.objects.get()
    assert response["Location"] == f"/t/{tournament.slug}/manage/"
    expected = in_a_week().replace(tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert tournament.starts_at == expected and tournament.starts_at.tzinfo == UTC
    assert (tournament.guild_id, tournament.created_by.discord_id) == (guild_id, p.USER_ID)
    assert "Friday Fights is open for entries." in after(organiser, response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"name": "bell\x07"}, "name", "control characters"),
        ({"name": "nul\x00"}, "name", "Null characters"),
        ({"game": ""}, "game", "required"),
        ({"format": "swiss"}, "format", "valid choice"),
        ({"best_of": "2"}, "best_of", "valid choice"),
        ({"best_of": "three"}, "best_of", "valid choice"),
        ({"starts_at": "next friday"}, "starts_at", "valid date/time"),
        ({"starts_at": ""}, "starts_at", "required"),
        ({"starts_at": SPRING_GAP}, "starts_at", "does not exist in Europe/Paris"),
        ({"starts_at": AUTUMN_OVERLAP}, "starts_at", "happens twice in Europe/Paris"),
        ({"starts_at": "2020-01-01T19:30"}, "starts_at", "has passed"),
        ({"starts_at": "2999-01-01T19:30"}, "starts_at", "within the next two years"),
        ({"starts_at": "99999-01-01T19:30"}, "starts_at", "valid date/time"),
        ({"check_in_minutes": "-5"}, "check_in_minutes", "greater than or equal to 0"),
        ({"check_in_minutes": "1441"}, "check_in_minutes", "less than or equal to 1440"),
        ({"check_in_minutes": "9" * 40}, "check_in_minutes", "less than or equal to 1440"),
        ({"max_entrants": "1"}, "max_entrants", "greater than or equal to 2"),
        ({"max_entrants": "1025"}, "max_entrants", "less than or equal to 1024"),
        ({"max_entrants": "lots"}, "max_entrants", "whole number"),
    ],
)
def test_bad_values_come_back_explained(organiser, changes, field, message):
    response = organiser.post(new_url(OWNER), form(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Tournament.objects.exists()


def test_non_ascii_names_are_fine(organiser):
    organiser.post(new_url(OWNER), form(name="東京 Fight Night ⚡", game="鉄拳8"))
    assert Tournament.objects.get().name == "東京 Fight Night ⚡"


@pytest.mark.parametrize("guild_id", [MEMBER, STRANGER, "abc", "123", str(2**64), "0" * 18])
def test_everyone_else_gets_a_404_for_create(organiser, guild_id):
    assert organiser.get(new_url(guild_id)).status_code == 404
    assert organiser.post(new_url(guild_id), form()).status_code == 404
    assert not Tournament.objects.exists()


def test_a_server_the_bot_left_has_no_create_page(organiser):
    Guild.objects.filter(guild_id=OWNER).update(present=False)
    assert organiser.get(new_url(OWNER)).status_code == 404


def test_create_needs_a_signed_in_person(client, bot_everywhere):
    assert client.get(new_url(OWNER))["Location"].startswith("/auth/login/?next=")


def test_create_waits_when_discord_cannot_confirm(client, sign_in, bot_everywhere, fake_discord):
    discord_cannot_confirm(sign_in(client), fake_discord)
    response = client.post(new_url(OWNER), form())
    assert response["Location"] == "/dashboard/"
    assert not Tournament.objects.exists()


def test_create_needs_the_csrf_token(sign_in, bot_everywhere):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.post(new_url(OWNER), form()).status_code == 403


def test_the_settings_page_lists_the_servers_tournaments(organiser, make_tournament):
    make_tournament(name="Friday Fights", entrants=3)
    page = organiser.get(f"/dashboard/guilds/{OWNER}/").content.decode()
    assert "Friday Fights" in page and "Registration open" in page and "3 of 64" in page
    assert "19:30" in page and "Europe/Paris" in page
    assert f'href="{new_url(OWNER)}"' in page


# Managing


def manage_url(tournament) -> str:
    return f"/t/{tournament.slug}/manage/"


@pytest.mark.parametrize("guild_id", [OWNER, ADMIN, MANAGER])
def test_managers_see_the_manage_page(organiser, make_tournament, make_guild, guild_id):
    tournament = make_tournament(guild=make_guild(guild_id), entrants=2)
    page = organiser.get(manage_url(tournament))
    assert page.status_code == 200
    assert "Player 2" in page.content.decode() and "Start with 2 entrants" in page.content.decode()


def test_everyone_else_gets_a_404_for_manage(organiser, make_tournament, make_guild):
    for guild_id in (MEMBER, STRANGER):
        tournament = make_tournament(guild=make_guild(guild_id), entrants=2)
        assert organiser.get(manage_url(tournament)).status_code == 404
        assert organiser.post(manage_url(tournament), {"action": "cancel"}).status_code == 404
        assert Tournament.objects.get(pk=tournament.pk).state == State.REGISTRATION


@pytest.mark.parametrize("slug", ["no-such-thing-abc123", "../etc", "é", "%00", "a" * 300])
def test_an_unknown_or_odd_slug_is_a_404(organiser, slug):
    assert organiser.get(f"/t/{slug}/manage/").status_code == 404
    assert organiser.get(f"/t/{slug}/").status_code == 404
    assert organiser.get(f"/t/{slug}.json").status_code == 404


def test_a_server_the_bot_left_cannot_be_managed(organiser, make_tournament):
    tournament = make_tournament()
    Guild.objects.filter(guild_id=OWNER).update(present=False)
    assert organiser.get(manage_url(tournament)).status_code == 404


def test_manage_needs_a_signed_in_person(client, make_tournament):
    tournament = make_tournament()
    response = client.get(manage_url(tournament))
    assert response["Location"] == f"/auth/login/?next=/t/{tournament.slug}/manage/"
    assert client.post(manage_url(tournament), {"action": "cancel"}).status_code == 302
    assert Tournament.objects.get(pk=tournament.pk).state == State.REGISTRATION


def test_manage_waits_when_discord_cannot_confirm(client, sign_in, make_tournament, fake_discord):
    tournament = make_tournament()
    discord_cannot_confirm(sign_in(client), fake_discord)
    response = client.post(manage_url(tournament), {"action": "cancel"})
    assert response["Location"] == f"/t/{tournament.slug}/"
    assert Tournament.objects.get(pk=tournament.pk).state == State.REGISTRATION
    assert any("could not confirm with Discord" in m for m in after(client, response))


def test_a_demoted_organiser_is_refused_once_discord_says_so(
    client, sign_in, make_tournament, fake_discord
):
    tournament = make_tournament()
    key = sign_in(client)
    Session.objects.for_key(key).update(guilds_fetched_at=timezone.now() - timedelta(days=10))
    demoted = p.payload(p.GUILDS)
    demoted[0].update(owner=False, permissions="1024")
    fake_discord.guilds(json=demoted)
    assert client.post(manage_url(tournament), {"action": "cancel"}).status_code == 404


def post(client, tournament, **data):
    return after(client, client.post(manage_url(tournament), data))


def test_the_organiser_adds_and_removes_walk_ins(organiser, make_tournament):
    tournament = make_tournament()
    assert post(organiser, tournament, action="add_entrant", name="Ōkami") == [
        "Ōkami is in, seed 1."
    ]
    entrant = tournament.entrants.get()
    assert post(organiser, tournament, action="remove_entrant", entrant=str(entrant.pk)) == [
        "Ōkami is out."
    ]
    assert not tournament.entrants.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add_entrant"}, "cannot be empty"),
        ({"action": "add_entrant", "name": "  "}, "cannot be empty"),
        ({"action": "add_entrant", "name": "x" * 5000}, "at most 64"),
        ({"action": "add_entrant", "name": "Player 1"}, "already an entrant named"),
        ({"action": "remove_entrant", "entrant": "999999"}, "not in this tournament"),
        ({"action": "remove_entrant", "entrant": "one"}, "must be a whole number"),
        ({"action": "remove_entrant", "entrant": "٣"}, "must be a whole number"),
        ({"action": "remove_entrant", "entrant": "9" * 30}, "must be a whole number"),
        ({"action": "remove_entrant"}, "is missing"),
        ({"action": "seed", "order": "1,2"}, "every entrant exactly once"),
        ({"action": "seed", "order": "a,b,c"}, "must be a whole number"),
        ({"action": "seed", "order": ""}, "is missing"),
        ({"action": "fly"}, "not something the manage page can do"),
        ({}, "not something the manage page can do"),
    ],
)
def test_bad_manage_values_come_back_with_a_message(organiser, make_tournament, data, message):
    tournament = make_tournament(entrants=3)
    before = list(tournament.entrants.values_list("pk", "seed"))
    [said] = post(organiser, tournament, **data)
    assert message in said
    assert list(tournament.entrants.values_list("pk", "seed")) == before


def test_the_organiser_reorders_by_ids_or_by_seed_boxes(organiser, make_tournament):
    tournament = make_tournament(entrants=3)
    one, two, three = (e.pk for e in tournament.entrants.order_by("seed"))
    assert post(organiser, tournament, action="seed", order=f"{three}, {one},{two}") == [
        "Seeds saved."
    ]
    assert list(tournament.entrants.order_by("seed").values_list("pk", flat=True)) == [
        three,
        one,
        two,
    ]
    boxes = {f"seed_{one}": "1", f"seed_{two}": "3", f"seed_{three}": "2"}
    post(organiser, tournament, action="seed", **boxes)
    assert list(tournament.entrants.order_by("seed").values_list("pk", flat=True)) == [
        one,
        three,
        two,
    ]
    [said] = post(organiser, tournament, action="seed", **{f"seed_{one}": "first"})
    assert "The seed of Player 1 must be a whole number" in said


def test_the_organiser_opens_check_in_starts_and_sees_who_was_dropped(organiser, make_tournament):
    tournament = make_tournament(entrants=2, check_in_minutes=30)
    Entrant.objects.create(tournament=tournament, name="Ghost", discord_id=1, seed=3)
    assert post(organiser, tournament, action="open_check_in") == [
        "Check-in is open: entrants check in on the tournament's page."
    ]
    page = organiser.get(manage_url(tournament)).content.decode()
    assert "Starting now drops who has not checked in: Ghost" in page
    assert post(organiser, tournament, action="start") == [
        "Friday Fights has started with 2 entrants. Not checked in, so dropped: Ghost."
    ]
    assert Tournament.objects.get(pk=tournament.pk).state == State.UNDERWAY


def test_the_organiser_is_told_why_it_cannot_start(organiser, make_tournament):
    tournament = make_tournament(entrants=1)
    assert post(organiser, tournament, action="start") == [
        "A tournament needs at least 2 entrants to start; Friday Fights has 1."
    ]


def test_the_organiser_cancels(organiser, make_tournament):
    tournament = make_tournament()
    assert "This cannot be undone" in organiser.get(manage_url(tournament)).content.decode()
    assert post(organiser, tournament, action="cancel") == ["Friday Fights is cancelled."]
    assert post(organiser, tournament, action="cancel") == ["Friday Fights is already cancelled."]


@pytest.mark.parametrize(
    "data",
    [
        {"action": "add_entrant", "name": "Late"},
        {"action": "seed", "order": ""},
        {"action": "open_check_in"},
        {"action": "start"},
    ],
)
def test_the_wrong_state_is_explained(organiser, started, data):
    tournament = started(4)
    [said] = post(organiser, tournament, **data)
    assert "has started" in said or "is missing" in said


# A match's form


def match_url(tournament, match_id) -> str:
    return f"/t/{tournament.slug}/matches/{match_id}/"


def play(client, tournament, match_id, **data):
    response = client.post(match_url(tournament, match_id), data)
    assert response["Location"] == f"/t/{tournament.slug}/manage/#match-{match_id}"
    return after(client, response)


def test_the_organiser_enters_fixes_and_resets_a_result(organiser, started):
    tournament = started(4)
    a = match(tournament, "A")
    assert play(organiser, tournament, a.pk, score_1="2", score_2="1") == [
        "Match A: Player 1 2-1 Player 4."
    ]
    assert (
        "already has a result (2-1)"
        in play(organiser, tournament, a.pk, score_1="0", score_2="2")[0]
    )
    assert play(organiser, tournament, a.pk, score_1="2", score_2="0", fix="1") == [
        "Match A: Player 1 2-0 Player 4."
    ]
    assert play(organiser, tournament, a.pk, reset="1") == [
        "Match A is reset: it waits for a result again."
    ]
    assert match(tournament, "A").winner is None


def test_the_organiser_sees_the_champion_when_it_ends(organiser, started):
    tournament = started(2, format="single_elimination")
    [said] = play(organiser, tournament, match(tournament, "A").pk, score_1="0", score_2="2")
    assert said.endswith("The tournament is complete: Player 2 wins it!")


def test_the_organiser_disqualifies_a_player(organiser, started):
    tournament = started(4)
    a = match(tournament, "A")
    assert play(organiser, tournament, a.pk, dq=str(a.player_2_id)) == [
        "Player 4 is disqualified; their matches are forfeited."
    ]
    assert match(tournament, "A").forfeit


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score_1": "two", "score_2": "0"}, "Score 1 must be a whole number"),
        ({"score_1": "-1", "score_2": "2"}, "Score 1 must be a whole number"),
        ({"score_1": "2", "score_2": "1.5"}, "Score 2 must be a whole number"),
        ({"score_1": "9" * 400, "score_2": "0"}, "Score 1 must be a whole number"),
        ({"score_1": "999999999", "score_2": "0"}, "cannot end a best of 3"),
        ({"score_1": "٢", "score_2": "0"}, "Score 1 must be a whole number"),
        ({"score_1": "", "score_2": "2"}, "Score 1 is missing"),
        ({}, "Score 1 is missing"),
        ({"score_1": "1", "score_2": "0"}, "1-0 cannot end a best of 3"),
        ({"score_1": "2", "score_2": "2"}, "cannot end a best of 3"),
        ({"dq": "abc"}, "must be a whole number"),
        ({"dq": "999999"}, "not playing match A"),
        ({"reset": "1"}, "no result to undo"),
        ({"reset": "yes"}, "send reset=1"),
    ],
)
def test_bad_match_values_come_back_with_a_message(organiser, started, data, message):
    tournament = started(4)
    a = match(tournament, "A")
    [said] = play(organiser, tournament, a.pk, **data)
    assert message in said
    assert match(tournament, "A").winner is None


def test_a_match_of_another_tournament_or_none_is_a_404(organiser, started):
    one, other = started(4), started(4)
    assert organiser.post(match_url(one, match(other, "A").pk), {"reset": "1"}).status_code == 404
    assert organiser.post(match_url(one, 999999), {"reset": "1"}).status_code == 404
    assert organiser.post(match_url(one, "9" * 25), {"reset": "1"}).status_code == 404
    assert organiser.post(f"/t/{one.slug}/matches/abc/", {"reset": "1"}).status_code == 404


def test_the_match_form_is_post_only_and_for_organisers(client, sign_in, started, make_guild):
    sign_in(client)
    tournament = started(4, guild=make_guild(MEMBER))
    a = match(tournament, "A")
    assert client.get(match_url(tournament, a.pk)).status_code == 405
    assert (
        client.post(match_url(tournament, a.pk), {"score_1": "2", "score_2": "0"}).status_code
        == 404
    )
    assert match(tournament, "A").winner is None


def test_results_wait_for_the_start_and_stop_at_cancel(organiser, started):
    tournament = started(4)
    a = match(tournament, "A")
    post(organiser, tournament, action="cancel")
    [said] = play(organiser, tournament, a.pk, score_1="2", score_2="0")
    assert "was cancelled" in said


def test_the_manage_page_shows_every_match_with_its_forms(organiser, started):
    tournament = started(8)
    win(tournament, "A")
    page = organiser.get(manage_url(tournament)).content.decode()
    assert page.count('name="score_1"') == 1 + 3  # A to fix; B, C and D to play
    assert "Fix result" in page and "Reset" in page and "DQ Player 1" in page
    assert page.count('class="m-row') == Match.objects.filter(tournament=tournament).count()


# Reinstating a disqualified entrant (POST /t/<slug>/manage/ with action=reinstate)


def test_the_organiser_reinstates_a_disqualified_player(organiser, started):
    tournament = started(4)
    a = match(tournament, "A")
    play(organiser, tournament, a.pk, dq=str(a.player_2_id))
    page = organiser.get(manage_url(tournament)).content.decode()
    # In the entrants list and on the forfeited match, each behind a confirmation whose
    # button sends the one POST form (with its CSRF token).
    assert page.count('>Reinstate<span class="visually-hidden"> Player 4</span></summary>') == 2
    assert page.count(f'form="reinstate-{a.player_2_id}">Yes, reinstate Player 4<') == 2
    assert page.count('name="action" value="reinstate"') == 1
    assert page.count("the matches they forfeited are played again") == 2
    assert post(organiser, tournament, action="reinstate", entrant=str(a.player_2_id)) == [
        "Player 4 is reinstated: their disqualification and its forfeits are taken back."
    ]
    a = match(tournament, "A")
    assert (a.winner, a.forfeit, a.state) == (None, False, Match.State.READY)
    assert not Entrant.objects.get(pk=a.player_2_id).disqualified
    page = organiser.get(manage_url(tournament)).content.decode()
    assert 'value="reinstate"' not in page and "DQ Player 4" in page


def test_a_disqualification_with_no_forfeit_yet_is_reinstated_in_those_words(organiser, started):
    tournament = started(3)  # seed 1 has a bye into the winners' final
    final = tournament.matches.filter(side="winners", round=2).get()
    one = tournament.entrants.get(seed=1)
    play(organiser, tournament, final.pk, dq=str(one.pk))
    page = organiser.get(manage_url(tournament)).content.decode()
    assert page.count("Yes, reinstate Player 1<") == 1  # in the entrants list: no forfeit
    assert "the matches they forfeited" not in page
    assert "they have forfeited no match yet" in page
    assert post(organiser, tournament, action="reinstate", entrant=str(one.pk)) == [
        "Player 1 is reinstated: they had forfeited no match yet, so only the "
        "disqualification is taken back."
    ]


def test_reinstating_in_a_finished_tournament_warns_and_says_it_reopened(organiser, started):
    tournament = started(2)
    win(tournament, "A")  # the grand final, B: 1 v 2
    b = match(tournament, "B")
    play(organiser, tournament, b.pk, dq=str(b.player_2_id))
    page = organiser.get(manage_url(tournament)).content.decode()
    warning = (
        "Friday Fights is over: reinstating Player 2 reopens it, and its final standings "
        "are taken back until it ends again."
    )
    assert page.count(warning) == 2
    assert post(organiser, tournament, action="reinstate", entrant=str(b.player_2_id)) == [
        "Player 2 is reinstated: their disqualification and its forfeits are taken back. "
        "The tournament is underway again."
    ]
    assert Tournament.objects.get(pk=tournament.pk).state == Tournament.State.UNDERWAY


def test_the_organiser_is_told_which_result_stands_in_the_way(organiser, started):
    tournament = started(4)
    a = match(tournament, "A")
    play(organiser, tournament, a.pk, dq=str(a.player_2_id))
    win(tournament, "B")
    win(tournament, "C")
    assert post(organiser, tournament, action="reinstate", entrant=str(a.player_2_id)) == [
        "The forfeit of match A cannot be undone: match C, which it fed, already has a result."
    ]
    assert Entrant.objects.get(pk=a.player_2_id).disqualified


@pytest.mark.parametrize(
    ("entrant", "message"),
    [
        ("abc", "The entrant must be a whole number, not “abc”."),
        ("", "The entrant is missing."),
        (None, "The entrant is missing."),
        ("٣", "must be a whole number"),
        ("Ⅻ", "must be a whole number"),
        ("-1", "must be a whole number"),
        ("9" * 30, "must be a whole number"),
        ("999999999", "That entrant is not in this tournament (any more)."),
        ("other", "That entrant is not in this tournament (any more)."),
        ("playing", "Player 1 is not disqualified."),
    ],
)
def test_bad_entrants_to_reinstate_come_back_with_a_message(organiser, started, entrant, message):
    tournament, other = started(4), started(4)
    operations_dq(other, "A")
    entrant = {
        "other": str(match(other, "A").player_2_id),
        "playing": str(tournament.entrants.get(seed=1).pk),
    }.get(entrant, entrant)
    data = (
        {"action": "reinstate"} if entrant is None else {"action": "reinstate", "entrant": entrant}
    )
    [said] = post(organiser, tournament, **data)
    assert message in said
    assert Entrant.objects.get(pk=match(other, "A").player_2_id).disqualified


def test_reinstating_waits_for_the_start_and_stops_at_cancel(organiser, make_tournament, started):
    waiting = make_tournament(entrants=2)
    [said] = post(organiser, waiting, action="reinstate", entrant=str(waiting.entrants.first().pk))
    assert said == "Friday Fights has not started yet."
    tournament = started(4)
    four = operations_dq(tournament, "A")
    post(organiser, tournament, action="cancel")
    assert post(organiser, tournament, action="reinstate", entrant=str(four)) == [
        "Friday Fights was cancelled."
    ]


def test_only_organisers_may_reinstate(client, sign_in, started, make_guild):
    sign_in(client)
    tournament = started(4, guild=make_guild(MEMBER))
    four = operations_dq(tournament, "A")
    response = client.post(manage_url(tournament), {"action": "reinstate", "entrant": str(four)})
    assert response.status_code == 404
    assert Entrant.objects.get(pk=four).disqualified


def test_reinstating_needs_the_csrf_token(sign_in, started, bot_everywhere):
    client = Client(enforce_csrf_checks=True)
    sign_in(client)
    tournament = started(4)
    four = operations_dq(tournament, "A")
    response = client.post(manage_url(tournament), {"action": "reinstate", "entrant": str(four)})
    assert response.status_code == 403
    assert Entrant.objects.get(pk=four).disqualified


def operations_dq(tournament, identifier: str) -> int:
    """Disqualifies the second player of the match; returns their entrant id."""
    row = match(tournament, identifier)
    operations.disqualify(tournament, row.pk, entrant_id=row.player_2_id)
    return row.player_2_id
