"""Rules that hold when people act at the same instant: the cap under concurrent joins (and
an edit lowering it), one result when two organisers set the same match, a reinstatement
or the result it would undo. Real threads and transactions; run on PostgreSQL
(select_for_update), and on SQLite (whose writers queue)."""

from __future__ import annotations

import pytest

from tests.conftest import run_together
from tests.tournaments.conftest import match, win
from tournaments import operations
from tournaments.models import Entrant, Match, Tournament
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db(transaction=True)


def attempt(action):
    try:
        action()
    except Refused as exc:
        return str(exc)
    return "done"


def test_concurrent_joins_never_pass_max_entrants(make_tournament):
    tournament = make_tournament(max_entrants=5)
    ids = iter(range(1100000000000000001, 1100000000000000009))

    def join():
        discord_id = next(ids)
        return attempt(lambda: operations.join(tournament, discord_id=discord_id, name="P"))

    outcomes = run_together(8, join)
    assert sorted(outcomes) == ["Friday Fights is full (5 of 5)."] * 3 + ["done"] * 5
    assert sorted(tournament.entrants.values_list("seed", flat=True)) == [1, 2, 3, 4, 5]


def test_one_person_joining_twice_at_once_is_in_once(make_tournament):
    tournament = make_tournament()

    def join():
        return attempt(lambda: operations.join(tournament, discord_id=42 * 10**16, name="Ada"))

    assert sorted(run_together(4, join)) == ["You are already in Friday Fights."] * 3 + ["done"]
    assert tournament.entrants.count() == 1


def test_two_organisers_setting_one_match_leave_one_consistent_result(started):
    tournament = started(8)
    a = match(tournament, "A")
    version = Tournament.objects.get(pk=tournament.pk).version
    scores = iter([(2, 0), (0, 2)])

    def report():
        one, two = next(scores)
        return attempt(lambda: operations.set_result(tournament, a.pk, score_1=one, score_2=two))

    outcomes = run_together(2, report)
    assert sorted(o.split(" (")[0] for o in outcomes) == ["Match A already has a result", "done"]
    a = match(tournament, "A")
    loser = a.player_2 if a.winner == a.player_1 else a.player_1
    winners = Match.objects.get(tournament=tournament, index=a.winner_to)
    losers = Match.objects.get(tournament=tournament, index=a.loser_to)
    assert a.winner in (winners.player_1, winners.player_2)
    assert loser in (losers.player_1, losers.player_2)
    assert {a.score_1, a.score_2} == {2, 0} and a.winner_slot == (0 if a.score_1 == 2 else 1)
    assert Tournament.objects.get(pk=tournament.pk).version == version + 1


def test_two_fixes_at_once_leave_the_bracket_consistent(started):
    tournament = started(8)
    a = match(tournament, "A")
    operations.set_result(tournament, a.pk, score_1=2, score_2=0)
    scores = iter([(0, 2), (1, 2)])

    def fix():
        one, two = next(scores)
        return attempt(
            lambda: operations.set_result(tournament, a.pk, score_1=one, score_2=two, fix=True)
        )

    assert run_together(2, fix) == ["done", "done"]
    a = match(tournament, "A")
    assert a.winner == a.player_2
    placed = Match.objects.filter(tournament=tournament, index__in=[a.winner_to, a.loser_to])
    everyone = [p for m in placed for p in (m.player_1_id, m.player_2_id) if p in a.player_ids]
    assert sorted(everyone) == sorted(a.player_ids)  # each once: no ghost of the first result


def test_lowering_the_cap_while_people_join_never_leaves_more_than_the_cap(make_tournament):
    tournament = make_tournament(entrants=4, max_entrants=8)
    row = Tournament.objects.get(pk=tournament.pk)
    details = {
        "name": row.name,
        "game": row.game,
        "format": row.format,
        "best_of": row.best_of,
        "check_in_minutes": row.check_in_minutes,
        "starts_at": row.local_starts_at().replace(tzinfo=None),
    }
    ids = iter(range(1100000000000000001, 1100000000000000004))
    work = iter(["edit", "join", "join", "join"])

    def act():
        if next(work) == "edit":
            return attempt(lambda: operations.edit(tournament, **details, max_entrants=5))
        discord_id = next(ids)
        return attempt(lambda: operations.join(tournament, discord_id=discord_id, name="P"))

    outcomes = run_together(4, act)
    row = Tournament.objects.get(pk=tournament.pk)
    count = row.entrants.count()
    assert count <= row.max_entrants
    # The edit first, or after one join: the cap is 5 and the last joins are refused. After
    # two or three joins: the edit is refused, naming the count it saw, and the cap stays 8.
    below = "Friday Fights already has %d entrants: remove some before setting the most below that."
    if row.max_entrants == 5:
        assert count == 5
        assert sorted(outcomes) == ["Friday Fights is full (5 of 5)."] * 2 + ["done"] * 2
    else:
        assert (row.max_entrants, count) == (8, 7)
        assert sorted(outcomes) in ([below % 6, *["done"] * 3], [below % 7, *["done"] * 3])


def test_a_reinstatement_racing_a_result_it_would_undo_leaves_one_of_them(started):
    tournament = started(4)  # A: 1 v 4, B: 2 v 3; C, the winners' final
    a = match(tournament, "A")
    operations.disqualify(tournament, a.pk, entrant_id=a.player_2_id)  # 1 goes on to C
    win(tournament, "B")  # C: 1 v 2, ready; 3 drops in and goes on by 4's forfeit
    c = match(tournament, "C")
    four_id, version = a.player_2_id, Tournament.objects.get(pk=tournament.pk).version
    moves = iter(
        [
            lambda: operations.reinstate(tournament, four_id),
            lambda: operations.set_result(tournament, c.pk, score_1=2, score_2=0),
        ]
    )

    outcomes = run_together(2, lambda: attempt(next(moves)))
    four = Entrant.objects.get(pk=four_id)
    a, c = match(tournament, "A"), match(tournament, "C")
    if four.disqualified:  # the result came first, and stands
        assert sorted(outcomes) == [
            "The forfeit of match A cannot be undone: match C, which it fed, already has a result.",
            "done",
        ]
        assert a.forfeit and c.winner == c.player_1 and c.player_1 == a.player_1
    else:  # the reinstatement came first: C waits for A again
        assert sorted(outcomes) == ["Match C is still waiting for a player.", "done"]
        assert (a.winner, a.state) == (None, Match.State.READY)
        assert (c.player_1, c.winner, c.state) == (None, None, Match.State.PENDING)
        assert not match(tournament, "D").forfeit
    assert Tournament.objects.get(pk=tournament.pk).version == version + 1
