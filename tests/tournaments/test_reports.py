"""Reports from Discord, as tournaments.operations rules them: a player reports their own
games first, the opponent confirms or disputes, the organiser settles a dispute; and which
match /report means."""

from __future__ import annotations

import pytest

from tests.tournaments.conftest import match
from tournaments import operations
from tournaments.models import Match, Post
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db

ADA, BLAZE, NEWBIE, COLLECTOR = (
    257069950429175809,
    464162408479465473,
    1378704647581212673,
    643407370722091009,
)
State = Match.State


@pytest.fixture
def members(make_tournament):
    """Four members in a single elimination, best of 3: Ada (1) v Collector (4) in A,
    Blaze (2) v Newbie (3) in B."""

    def make(**fields):
        tournament = make_tournament(format="single_elimination", **fields)
        for discord_id, name in ((ADA, "Ada"), (BLAZE, "Blaze"), (NEWBIE, "Newbie")):
            operations.join(tournament, discord_id=discord_id, name=name)
        operations.join(tournament, discord_id=COLLECTOR, name="Collector")
        operations.start(tournament)
        return tournament

    return make


def report(tournament, who, score, identifier="A"):
    mine, theirs = operations.parse_score(score)
    return operations.report(
        tournament, match(tournament, identifier).pk, discord_id=who, mine=mine, theirs=theirs
    )


def version(tournament, identifier="A") -> int:
    return match(tournament, identifier).report_version


def test_a_report_puts_the_reporters_games_first_and_asks_the_opponent(members):
    tournament = members()
    reported = report(tournament, COLLECTOR, "1-2")  # Collector is player 2 of A
    a = match(tournament, "A")
    assert (a.state, a.reported_score_1, a.reported_score_2) == (State.AWAITING_CONFIRMATION, 2, 1)
    assert (reported.reporter.name, reported.opponent.name) == ("Collector", "Ada")
    assert a.winner is None  # nothing stands before the opponent confirms
    (prompt,) = tournament.posts.filter(kind=Post.Kind.REPORT)
    assert prompt.payload == {"version": 1, "by": a.reported_by_id, "scores": [2, 1]}


def test_the_opponents_confirm_stands_the_result_and_calls_the_next_match(members):
    tournament = members()
    report(tournament, ADA, "2-0")
    report(tournament, BLAZE, "2-1", "B")
    operations.confirm(tournament, match(tournament, "B").pk, discord_id=NEWBIE, version=1)
    played = operations.confirm(
        tournament, match(tournament, "A").pk, discord_id=COLLECTOR, version=1
    )
    a = match(tournament, "A")
    assert (a.state, a.score_1, a.score_2, a.winner.name) == (State.COMPLETE, 2, 0, "Ada")
    final = played.now_ready[0]
    assert {final.player_1.name, final.player_2.name} == {"Ada", "Blaze"}
    assert tournament.posts.filter(kind=Post.Kind.MATCH_CALL, match=final).exists()


def test_the_same_score_reported_by_both_players_stands_at_once(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    both = report(tournament, COLLECTOR, "1-2")
    assert both.played is not None
    assert match(tournament, "A").winner.name == "Ada"


def test_a_new_report_replaces_an_unconfirmed_one_and_old_buttons_are_refused(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    report(tournament, COLLECTOR, "2-0")  # Collector says they won instead
    a = match(tournament, "A")
    assert (a.reported_score_1, a.reported_score_2, a.report_version) == (0, 2, 2)
    with pytest.raises(Refused, match="replaced by a newer one"):
        operations.confirm(tournament, a.pk, discord_id=COLLECTOR, version=1)
    operations.confirm(tournament, a.pk, discord_id=ADA, version=2)
    assert match(tournament, "A").winner.name == "Collector"


@pytest.mark.parametrize(
    ("who", "score", "refusal"),
    [
        (BLAZE, "2-0", "not your match"),
        (ADA, "2-2", "cannot end a best of 3"),
        (ADA, "3-0", "cannot end a best of 3"),
        (ADA, "1-0", "cannot end a best of 3"),
    ],
)
def test_a_report_is_refused_when_it_cannot_be_right(members, who, score, refusal):
    tournament = members()
    with pytest.raises(Refused, match=refusal):
        report(tournament, who, score)
    assert match(tournament, "A").state == State.READY


@pytest.mark.parametrize("text", ["", "2", "two-one", "2-1-0", "-2-1", "123-1"])
def test_a_score_that_is_not_w_l_is_refused(text):
    with pytest.raises(Refused, match="your games, a dash"):
        operations.parse_score(text)


@pytest.mark.parametrize("text", ["2-1", " 2 - 1 ", "2:1", "2–1"])
def test_a_score_reads_w_l_as_people_type_it(text):
    assert operations.parse_score(text) == (2, 1)


def test_nobody_confirms_their_own_report_or_one_of_another_match(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    a = match(tournament, "A")
    with pytest.raises(Refused, match="reported this score yourself"):
        operations.confirm(tournament, a.pk, discord_id=ADA, version=1)
    with pytest.raises(Refused, match="not your match"):
        operations.confirm(tournament, a.pk, discord_id=BLAZE, version=1)
    with pytest.raises(Refused, match="not your match"):
        operations.dispute(tournament, a.pk, discord_id=BLAZE, version=1)
    with pytest.raises(Refused, match="Nobody has reported"):
        operations.confirm(tournament, match(tournament, "B").pk, discord_id=NEWBIE, version=0)


def test_a_decided_match_takes_no_report_or_confirm(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    operations.confirm(tournament, match(tournament, "A").pk, discord_id=COLLECTOR, version=1)
    with pytest.raises(Refused, match="already decided"):
        report(tournament, ADA, "2-0")
    with pytest.raises(Refused, match="already decided"):
        operations.confirm(tournament, match(tournament, "A").pk, discord_id=COLLECTOR, version=1)


def test_a_dispute_waits_for_the_organiser_who_settles_it(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    a = match(tournament, "A")
    operations.dispute(tournament, a.pk, discord_id=COLLECTOR, version=1)
    a = match(tournament, "A")
    assert a.state == State.DISPUTED
    (notice,) = tournament.posts.filter(kind=Post.Kind.DISPUTE)
    assert notice.payload["by"] == a.player_2_id and notice.payload["scores"] == [2, 1]
    with pytest.raises(Refused, match="disputed"):
        report(tournament, COLLECTOR, "2-0")
    with pytest.raises(Refused, match="disputed"):
        operations.confirm(tournament, a.pk, discord_id=COLLECTOR, version=1)
    operations.set_result(tournament, a.pk, score_1=1, score_2=2)  # the organiser's decision
    assert match(tournament, "A").winner.name == "Collector"


def test_reports_need_the_tournament_underway(make_tournament):
    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada")
    with pytest.raises(Refused, match="not an entrant of a tournament underway"):
        operations.current_match(tournament.guild_id, ADA)


def test_a_reset_voids_the_report_of_a_match_that_changes_players(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    operations.confirm(tournament, match(tournament, "A").pk, discord_id=COLLECTOR, version=1)
    report(tournament, BLAZE, "2-1", "B")
    operations.confirm(tournament, match(tournament, "B").pk, discord_id=NEWBIE, version=1)
    report(tournament, ADA, "2-0", "C")
    operations.reset(tournament, match(tournament, "A").pk)
    final = match(tournament, "C")
    assert final.state == State.PENDING and final.reported_by is None


# Which match /report means


def test_report_finds_the_match_of_its_thread_or_the_reporters_only_one(members):
    tournament = members()
    a = match(tournament, "A")
    Match.objects.filter(pk=a.pk).update(thread_id=1300000000000000001)
    guild = tournament.guild_id
    assert operations.current_match(guild, ADA, channel_id=1300000000000000001).pk == a.pk
    assert operations.current_match(guild, ADA, channel_id=999).pk == a.pk
    assert operations.current_match(guild, BLAZE).identifier == "B"
    with pytest.raises(Refused, match="is not your match"):
        operations.current_match(guild, BLAZE, channel_id=1300000000000000001)
    with pytest.raises(Refused, match="not an entrant"):
        operations.current_match(guild, 1100000000000000099)


def test_report_says_when_there_is_nothing_to_play_yet(members):
    tournament = members()
    report(tournament, ADA, "2-1")
    operations.confirm(tournament, match(tournament, "A").pk, discord_id=COLLECTOR, version=1)
    with pytest.raises(Refused, match="no match to play"):
        operations.current_match(tournament.guild_id, ADA)
    with pytest.raises(Refused, match="You are out"):
        operations.current_match(tournament.guild_id, COLLECTOR)


def test_report_asks_for_the_thread_when_two_tournaments_are_underway(members):
    one, two = members(name="One"), members(name="Two")
    with pytest.raises(Refused, match=r"more than one match to play \(One, Two\)"):
        operations.current_match(one.guild_id, ADA)
    assert two


def test_a_confirm_costs_what_the_organisers_result_costs(members):
    """The opponent's Confirm stands the result on the tournament and match it already
    locked: the same queries as the organiser entering a result, not a second lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tournament = members()
    report(tournament, COLLECTOR, "1-2")
    a, b, reported = match(tournament, "A").pk, match(tournament, "B").pk, version(tournament)
    with CaptureQueriesContext(connection) as confirmed:
        operations.confirm(tournament, a, discord_id=ADA, version=reported)
    with CaptureQueriesContext(connection) as entered:
        operations.set_result(tournament, b, score_1=2, score_2=0)
    assert len(confirmed) == len(entered), [q["sql"][:60] for q in confirmed]
