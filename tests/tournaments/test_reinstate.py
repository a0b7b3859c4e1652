"""Taking a disqualification back (tournaments.operations.reinstate): the forfeits it caused
are undone while the matches they fed are unplayed, and Discord is told what changed back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.tournaments.conftest import match, win
from tests.tournaments.test_play import match_rows_read_by_key
from tournaments import operations
from tournaments.models import Entrant, Match, Post, Tournament
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db

State = Tournament.State
Kind = Post.Kind


def disqualify(tournament, identifier: str, *, slot: int = 1) -> Entrant:
    """Disqualifies slot `slot` of the match; returns the entrant."""
    row = match(tournament, identifier)
    entrant = (row.player_1, row.player_2)[slot]
    operations.disqualify(tournament, row.pk, entrant_id=entrant.pk)
    return entrant


def version(tournament) -> int:
    return Tournament.objects.get(pk=tournament.pk).version


def test_a_reinstatement_gives_the_match_back(started):
    tournament = started(4)  # A: 1 v 4, B: 2 v 3
    a = match(tournament, "A")
    four = disqualify(tournament, "A")
    assert (match(tournament, "C").player_1, match(tournament, "D").player_1) == (a.player_1, four)
    before = version(tournament)
    played = operations.reinstate(tournament, four.pk)
    a = match(tournament, "A")
    assert (a.winner, a.forfeit, a.state) == (None, False, Match.State.READY)
    assert {m.identifier for m in played.changed} == {"A", "C", "D"}
    # Both matches A fed (C for its winner, D for its loser) wait for their players again:
    # 1 is out of C, and D has neither 4 nor anyone else yet (B is unplayed).
    fed = {
        m.index: (m.player_1_id, m.player_2_id, m.winner_id, m.state)
        for m in Match.objects.filter(tournament=tournament, index__in=[a.winner_to, a.loser_to])
    }
    assert fed == {
        a.winner_to: (None, None, None, Match.State.PENDING),
        a.loser_to: (None, None, None, Match.State.PENDING),
    }
    four.refresh_from_db()
    assert (four.disqualified, four.placement) == (False, None)
    assert version(tournament) == before + 1
    # A was called at the start: its call is edited (playing again), not made twice.
    assert [m.identifier for m in played.now_ready] == ["A"]
    assert tournament.posts.filter(kind=Kind.MATCH_EDIT, match=a).count() == 1
    assert tournament.posts.filter(kind=Kind.MATCH_CALL, match=a).count() == 1


def test_a_match_that_is_ready_again_is_called_again(started):
    tournament = started(4)
    win(tournament, "A")  # 4 drops to the losers' side, to wait for B's loser
    four = tournament.entrants.get(seed=4)
    operations.disqualify(tournament, match(tournament, "D").pk, entrant_id=four.pk)
    win(tournament, "B")  # 3 drops in and goes on by 4's forfeit
    assert match(tournament, "D").forfeit
    played = operations.reinstate(tournament, four.pk)
    assert [m.identifier for m in played.now_ready] == ["D"]
    assert tournament.posts.filter(kind=Kind.MATCH_CALL, match__identifier="D").count() == 1


def test_a_disqualification_still_pending_is_taken_back_alone(started):
    tournament = started(3)  # seed 1 has a bye into the winners' final
    final = tournament.matches.filter(side="winners", round=2).get()
    one = tournament.entrants.get(seed=1)
    operations.disqualify(tournament, final.pk, entrant_id=one.pk)
    posts = tournament.posts.count()
    played = operations.reinstate(tournament, one.pk)
    assert played.changed == []
    assert not Entrant.objects.get(pk=one.pk).disqualified
    assert tournament.posts.count() == posts
    win(tournament, "A")
    assert match(tournament, final.identifier).state == Match.State.READY


@pytest.mark.parametrize("slot", [0, 1])
def test_a_grand_final_forfeit_is_taken_back_and_the_tournament_goes_on(started, slot):
    tournament = started(2)
    win(tournament, "A")  # 1 beats 2: the grand final, B, is 1 v 2
    entrant = disqualify(tournament, "B", slot=slot)  # 1 forfeits the reset too; 2 skips it
    assert Tournament.objects.get(pk=tournament.pk).state == State.COMPLETE
    played = operations.reinstate(tournament, entrant.pk)
    assert not played.complete
    assert Tournament.objects.get(pk=tournament.pk).state == State.UNDERWAY
    assert dict(tournament.entrants.values_list("seed", "placement")) == {1: None, 2: None}
    reset = match(tournament, "C")
    assert match(tournament, "B").state == Match.State.READY
    assert (reset.skipped, reset.player_1, reset.player_2) == (False, None, None)
    # The announcement says it is underway again.
    assert tournament.posts.filter(kind=Kind.ANNOUNCEMENT_EDIT).exists()


def test_it_is_refused_once_a_match_the_forfeit_fed_is_played(started):
    tournament = started(4)
    four = disqualify(tournament, "A")
    win(tournament, "B")  # 3 drops in: D, 4 v 3, forfeited to 3
    win(tournament, "C")  # 1 beats 2 in C, which A's forfeit fed
    before = list(Match.objects.filter(tournament=tournament).values().order_by("index"))
    with pytest.raises(Refused) as refused:
        operations.reinstate(tournament, four.pk)
    assert str(refused.value) == (
        "The forfeit of match A cannot be undone: match C, which it fed, already has a result."
    )
    assert list(Match.objects.filter(tournament=tournament).values().order_by("index")) == before
    assert Entrant.objects.get(pk=four.pk).disqualified
    operations.reset(tournament, match(tournament, "C").pk)
    operations.reinstate(tournament, four.pk)
    assert match(tournament, "A").state == Match.State.READY


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("playing", "Player 1 is not disqualified."),
        ("stranger", "That entrant is not in this tournament (any more)."),
        ("nobody", "That entrant is not in this tournament (any more)."),
    ],
)
def test_it_refuses_who_is_not_disqualified_here(started, who, message):
    tournament, other = started(4), started(4)
    disqualify(other, "A")
    entrant_id = {
        "playing": tournament.entrants.get(seed=1).pk,
        "stranger": other.entrants.get(seed=4).pk,
        "nobody": 10**9,
    }[who]
    with pytest.raises(Refused, match=message.replace("(", r"\(").replace(")", r"\)")):
        operations.reinstate(tournament, entrant_id)


@pytest.mark.parametrize(
    ("state", "message"),
    [(State.CANCELLED, "Friday Fights was cancelled."), (State.REGISTRATION, "not started")],
)
def test_it_refuses_before_the_start_and_after_a_cancel(started, state, message):
    tournament = started(4)
    four = disqualify(tournament, "A")
    Tournament.objects.filter(pk=tournament.pk).update(state=state)
    with pytest.raises(Refused, match=message):
        operations.reinstate(tournament, four.pk)
    assert Entrant.objects.get(pk=four.pk).disqualified


def test_a_complete_tournament_reinstates_only_its_last_forfeits(started):
    tournament = started(4, format="single_elimination")
    four = disqualify(tournament, "A")
    win(tournament, "B")
    win(tournament, "C")  # the final, fed by A's forfeit
    assert Tournament.objects.get(pk=tournament.pk).state == State.COMPLETE
    with pytest.raises(Refused, match="match C, which it fed, already has a result"):
        operations.reinstate(tournament, four.pk)


def test_two_disqualified_who_met_and_one_is_reinstated(started):
    tournament = started(8)  # A: 1 v 8, B: 4 v 5; their losers meet in G
    eight, five = disqualify(tournament, "A"), disqualify(tournament, "B")
    g = match(tournament, "G")
    assert (g.forfeit, g.winner) == (True, five)  # a double forfeit: the better seed goes on
    operations.reinstate(tournament, five.pk)
    g = match(tournament, "G")
    assert (g.player_1, g.player_2, g.winner) == (eight, None, None)
    assert match(tournament, "B").state == Match.State.READY
    eight.refresh_from_db()
    five.refresh_from_db()
    assert (eight.disqualified, five.disqualified) == (True, False)
    assert (eight.placement, five.placement) == (None, None)


def test_a_reinstatement_costs_the_same_queries_at_8_and_256_entrants(started):
    counts = {}
    for size in (8, 256):
        tournament = started(size)
        entrant = disqualify(tournament, "A")
        with CaptureQueriesContext(connection) as queries:
            operations.reinstate(tournament, entrant.pk)
        counts[size] = len(queries)
        selects = [
            q["sql"]
            for q in queries
            if q["sql"].startswith("SELECT") and '"tournaments_match"' in q["sql"]
        ]
        if size == 256:  # a table big enough for PostgreSQL's planner to mean it
            # The entrant's matches by its own key, never every match of the tournament.
            assert selects and all(match_rows_read_by_key(sql) for sql in selects)
    assert counts[8] == counts[256] == 12  # as tournaments/README.md says


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Die kampflose Entscheidung von Match A"),
        ("es", "El W.O. del match A"),
        ("fr", "Le forfait du match A"),
        ("ja", "試合Aの不戦結果は取り消せません"),
        ("pt-br", "O W.O. da partida A"),
    ],
)
def test_a_refusal_is_said_in_the_language_active_when_shown(started, language, words):
    tournament = started(4, format="single_elimination")
    four = disqualify(tournament, "A")
    win(tournament, "B")
    win(tournament, "C")
    with pytest.raises(Refused) as refused:
        operations.reinstate(tournament, four.pk)
    with translation.override(language):
        assert str(refused.value).startswith(words)
