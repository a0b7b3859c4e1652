"""Playing a started tournament through tournaments.operations: results, fixes, resets,
disqualifications, completion and placements, and what a result costs the database."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.tournaments.conftest import match, play_out, win
from tests.tournaments.standard import standard_placements
from tournaments import bracket, operations
from tournaments.models import Match, Tournament
from tournaments.operations import Refused

pytestmark = pytest.mark.django_db

State = Tournament.State


def placements(tournament) -> dict[int, int | None]:
    return dict(tournament.entrants.values_list("seed", "placement"))


def test_a_result_sends_the_winner_on_and_the_loser_to_the_losers_side(started):
    tournament = started(8)
    a = match(tournament, "A")
    played = operations.set_result(tournament, a.pk, score_1=2, score_2=1)
    a = match(tournament, "A")
    assert (a.score_1, a.score_2, a.winner, a.state) == (2, 1, a.player_1, Match.State.COMPLETE)
    winners = Match.objects.get(tournament=tournament, index=a.winner_to)
    losers = Match.objects.get(tournament=tournament, index=a.loser_to)
    assert getattr(winners, f"player_{a.winner_to_slot + 1}") == a.player_1
    assert getattr(losers, f"player_{a.loser_to_slot + 1}") == a.player_2
    assert {m.index for m in played.changed} == {a.index, a.winner_to, a.loser_to}
    assert not played.complete
    assert Tournament.objects.get(pk=tournament.pk).version == tournament.version + 1


@pytest.mark.parametrize(
    ("best_of", "scores"),
    [(1, (1, 0)), (1, (0, 1)), (3, (2, 0)), (3, (1, 2)), (5, (3, 2)), (7, (0, 4))],
)
def test_it_takes_every_score_that_ends_a_set(started, best_of, scores):
    tournament = started(4, best_of=best_of)
    a = match(tournament, "A")
    operations.set_result(tournament, a.pk, score_1=scores[0], score_2=scores[1])
    assert match(tournament, "A").winner_slot == (0 if scores[0] > scores[1] else 1)


@pytest.mark.parametrize(
    ("best_of", "scores"),
    [(3, (1, 0)), (3, (2, 2)), (3, (3, 0)), (3, (0, 0)), (1, (2, 0)), (5, (3, 3)), (3, (-1, 2))],
)
def test_it_refuses_a_score_that_cannot_end_a_set(started, best_of, scores):
    tournament = started(4, best_of=best_of)
    a = match(tournament, "A")
    with pytest.raises(Refused, match="cannot end a best of|whole numbers"):
        operations.set_result(tournament, a.pk, score_1=scores[0], score_2=scores[1])
    assert match(tournament, "A").winner is None


def test_it_refuses_a_match_still_waiting_for_a_player(started):
    tournament = started(8)
    waiting = tournament.matches.filter(state=Match.State.PENDING).first()
    with pytest.raises(Refused, match="still waiting for a player"):
        operations.set_result(tournament, waiting.pk, score_1=2, score_2=0)


def test_a_second_result_is_refused_unless_it_is_a_fix(started):
    tournament = started(8)
    a = match(tournament, "A")
    win(tournament, "A")
    with pytest.raises(Refused, match=r"already has a result \(2-0\); fix it"):
        operations.set_result(tournament, a.pk, score_1=0, score_2=2)
    operations.set_result(tournament, a.pk, score_1=2, score_2=1, fix=True)
    fixed = match(tournament, "A")
    assert (fixed.score_1, fixed.score_2, fixed.winner) == (2, 1, fixed.player_1)


def test_a_fix_can_change_the_winner_while_the_next_matches_are_unplayed(started):
    tournament = started(8)
    a = match(tournament, "A")
    win(tournament, "A", slot=0)
    operations.set_result(tournament, a.pk, score_1=1, score_2=2, fix=True)
    a = match(tournament, "A")
    assert a.winner == a.player_2
    winners = Match.objects.get(tournament=tournament, index=a.winner_to)
    losers = Match.objects.get(tournament=tournament, index=a.loser_to)
    assert getattr(winners, f"player_{a.winner_to_slot + 1}") == a.player_2
    assert getattr(losers, f"player_{a.loser_to_slot + 1}") == a.player_1


def test_a_fix_is_refused_once_a_fed_match_is_played(started):
    tournament = started(4, format="single_elimination")
    win(tournament, "A")
    win(tournament, "B")
    win(tournament, "C")
    with pytest.raises(Refused, match="already has a result"):
        operations.set_result(tournament, match(tournament, "A").pk, score_1=0, score_2=2, fix=True)
    with pytest.raises(Refused, match="cannot be undone"):
        operations.reset(tournament, match(tournament, "A").pk)


def test_a_reset_takes_a_result_back(started):
    tournament = started(8)
    a = match(tournament, "A")
    win(tournament, "A")
    operations.reset(tournament, a.pk)
    a = match(tournament, "A")
    assert (a.winner, a.score_1, a.score_2, a.state) == (None, None, None, Match.State.READY)
    assert not Match.objects.filter(tournament=tournament, index=a.winner_to, player_1=a.player_1)
    with pytest.raises(Refused, match="no result to undo"):
        operations.reset(tournament, a.pk)


def test_single_elimination_places_the_losers_as_they_go_out(started):
    tournament = started(4, format="single_elimination")
    win(tournament, "A")  # 1 beats 4
    assert placements(tournament) == {1: None, 2: None, 3: None, 4: 3}


@pytest.mark.parametrize("format", ["single_elimination", "double_elimination"])
@pytest.mark.parametrize("count", [2, 7, 16])
def test_it_completes_when_the_engine_has_a_champion(started, format, count):
    tournament = started(count, format=format)
    play_out(tournament)
    tournament.refresh_from_db()
    assert tournament.state == State.COMPLETE
    places = placements(tournament)
    assert places[1] == 1
    assert sorted(places.values()) == standard_placements(bracket.BracketFormat(format), count)


def test_the_grand_final_reset_is_played_when_the_losers_side_wins(started):
    tournament = started(2)
    win(tournament, "A", slot=1)  # 2 beats 1 in the winners' final; 1 drops to the losers' side
    assert not win(tournament, "B", slot=1).complete  # and takes the grand final from it
    grand_final, reset = match(tournament, "B"), match(tournament, "C")
    assert grand_final.side == "grand_final" and reset.is_reset
    assert [reset.player_1.seed, reset.player_2.seed, reset.state] == [2, 1, Match.State.READY]
    played = win(tournament, "C", slot=1)
    assert played.complete and played.champion.seed == 1
    assert placements(tournament) == {1: 1, 2: 2}


def test_the_reset_is_skipped_when_the_winners_side_takes_the_grand_final(started):
    tournament = started(2)
    win(tournament, "A", slot=0)
    played = win(tournament, "B", slot=0)
    reset = match(tournament, "C")
    assert played.complete and reset.skipped and reset.state == Match.State.COMPLETE
    assert placements(tournament) == {1: 1, 2: 2}


def test_undoing_the_final_reopens_a_complete_tournament(started):
    tournament = started(2)
    win(tournament, "A", slot=0)
    win(tournament, "B", slot=0)
    operations.reset(tournament, match(tournament, "B").pk)
    assert Tournament.objects.get(pk=tournament.pk).state == State.UNDERWAY
    assert placements(tournament) == {1: None, 2: None}
    assert not match(tournament, "C").skipped
    played = operations.set_result(tournament, match(tournament, "B").pk, score_1=0, score_2=2)
    assert not played.complete and match(tournament, "C").state == Match.State.READY


def test_fixing_the_final_of_a_complete_tournament_changes_the_champion(started):
    tournament = started(4, format="single_elimination")
    play_out(tournament)
    final = match(tournament, "C")
    champion, runner_up = final.winner, final.player_2 if final.winner_slot == 0 else final.player_1
    operations.set_result(tournament, final.pk, score_1=1, score_2=2, fix=True)
    places = dict(tournament.entrants.values_list("pk", "placement"))
    assert (places[champion.pk], places[runner_up.pk]) == (2, 1)
    assert Tournament.objects.get(pk=tournament.pk).state == State.COMPLETE


def test_a_complete_tournament_takes_no_new_result(started):
    tournament = started(2, format="single_elimination")
    play_out(tournament)
    with pytest.raises(Refused, match="is over"):
        operations.disqualify(
            tournament, match(tournament, "A").pk, entrant_id=match(tournament, "A").player_1_id
        )


def test_a_disqualification_forfeits_now_and_later_matches_as_they_come(started):
    tournament = started(4)  # A: 1 v 4, B: 2 v 3
    a = match(tournament, "A")
    played = operations.disqualify(tournament, a.pk, entrant_id=a.player_2_id)
    a = match(tournament, "A")
    assert (a.winner, a.forfeit, a.score_1) == (a.player_1, True, None)
    assert {m.index for m in played.changed} >= {a.index, a.winner_to, a.loser_to}
    win(tournament, "B")  # 3 drops into the losers' side and meets the disqualified 4
    losers = Match.objects.get(tournament=tournament, index=a.loser_to)
    assert losers.forfeit and losers.winner.seed == 3
    assert placements(tournament)[4] == 4
    assert tournament.entrants.get(seed=4).disqualified


def test_a_forfeit_stands(started):
    tournament = started(4)
    a = match(tournament, "A")
    operations.disqualify(tournament, a.pk, entrant_id=a.player_2_id)
    with pytest.raises(Refused, match="forfeited by a disqualified entrant"):
        operations.reset(tournament, a.pk)
    with pytest.raises(Refused, match="forfeited"):
        operations.set_result(tournament, a.pk, score_1=0, score_2=2, fix=True)


def test_a_disqualification_waits_for_the_opponent(started):
    tournament = started(3)  # seed 1 has a bye into the winners' final
    final = tournament.matches.filter(side="winners", round=2).select_related("player_1").get()
    seed_one = final.player_1 or final.player_2
    played = operations.disqualify(tournament, final.pk, entrant_id=seed_one.pk)
    assert [m.index for m in played.changed] == []
    win(tournament, "A")
    final = Match.objects.get(pk=final.pk)
    assert final.forfeit and final.winner.seed != 1


@pytest.mark.parametrize(
    ("who", "message"),
    [("stranger", "not playing match A"), ("twice", "already disqualified")],
)
def test_it_refuses_a_disqualification_that_does_not_apply(started, who, message):
    tournament = started(8)
    a = match(tournament, "A")
    if who == "twice":
        operations.disqualify(tournament, a.pk, entrant_id=a.player_1_id)
        target = a.player_1_id
    else:
        target = tournament.entrants.exclude(pk__in=a.player_ids).first().pk
    with pytest.raises(Refused, match=message):
        operations.disqualify(tournament, a.pk, entrant_id=target)


def test_it_refuses_to_disqualify_from_a_finished_match(started):
    tournament = started(8)
    a = match(tournament, "A")
    win(tournament, "A")
    with pytest.raises(Refused, match="is over: disqualify .* from their next match"):
        operations.disqualify(tournament, a.pk, entrant_id=a.player_1_id)


def test_a_match_of_another_tournament_is_not_found(started):
    one, other = started(4), started(4)
    with pytest.raises(Match.DoesNotExist):
        operations.set_result(one, match(other, "A").pk, score_1=2, score_2=0)
    with pytest.raises(Match.DoesNotExist):
        operations.reset(one, 10**9)


@pytest.mark.parametrize("state", [State.REGISTRATION, State.CANCELLED])
def test_it_takes_results_only_while_underway(started, state):
    tournament = started(4)
    Tournament.objects.filter(pk=tournament.pk).update(state=state)
    with pytest.raises(Refused, match="has not started yet|was cancelled"):
        win(tournament, "A")


def queries_for(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def test_a_result_costs_the_same_queries_at_8_and_256_entrants(started):
    counts = {}
    for size in (8, 256):
        tournament = started(size)
        a = match(tournament, "A")
        counts[size] = queries_for(
            lambda t=tournament, a=a: operations.set_result(t, a.pk, score_1=2, score_2=1)
        )
        # A fix, a reset and a disqualification likewise.
        counts[size, "fix"] = queries_for(
            lambda t=tournament, a=a: operations.set_result(t, a.pk, score_1=0, score_2=2, fix=True)
        )
        counts[size, "reset"] = queries_for(lambda t=tournament, a=a: operations.reset(t, a.pk))
        counts[size, "dq"] = queries_for(
            lambda t=tournament, a=a: operations.disqualify(t, a.pk, entrant_id=a.player_2_id)
        )
    # Two of them are the outbox's: what was called already, and one INSERT of the posts.
    assert counts[8] == counts[256] <= 10
    for kind in ("fix", "reset", "dq"):
        assert counts[8, kind] == counts[256, kind]


def test_a_result_writes_only_the_rows_it_changes(started):
    tournament = started(256)
    a = match(tournament, "A")
    with CaptureQueriesContext(connection) as queries:
        operations.set_result(tournament, a.pk, score_1=2, score_2=0)
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    # The three match rows in one UPDATE, the version, and the posts it asks for in one INSERT.
    assert len(writes) == 3


def test_a_result_finds_its_match_rows_by_key_not_by_reading_the_bracket(started):
    tournament = started(256)
    a = match(tournament, "A")
    with CaptureQueriesContext(connection) as queries:
        operations.set_result(tournament, a.pk, score_1=2, score_2=0)
    selects = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and '"tournaments_match"' in q["sql"]
    ]
    assert selects
    for sql in selects:
        # By primary key, or by (tournament, index); never every match of the tournament.
        assert match_rows_read_by_key(sql), sql


def match_rows_read_by_key(sql: str) -> bool:
    """Whether the database reads the query's match rows by a key: SQLite's own plan (it
    does not depend on statistics); PostgreSQL's once the table is analysed, with sequential
    scans off, since on a table this small it rightly prefers one: the question is whether an
    index serves the query's conditions. A condition on the tournament alone is no key (without
    statistics PostgreSQL read the whole bracket by the tournament's index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            steps = [row[-1] for row in cursor.fetchall() if "tournaments_match" in row[-1]]
            return bool(steps) and not [
                step for step in steps if step.startswith("SCAN") or "(tournament_id=?)" in step
            ]
        with transaction.atomic():
            cursor.execute("ANALYZE tournaments_match")  # as autovacuum would have
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            (plan,) = cursor.fetchone()[0]
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'tournaments_match'")
            indexes = {name for (name,) in cursor.fetchall()}
    nodes = list(plan_nodes(plan["Plan"]))
    scans = [node for node in nodes if node.get("Index Name") in indexes]
    return (
        bool(scans)
        and all(by_key(node["Index Name"], node["Index Cond"]) for node in scans)
        and not [node for node in nodes if node["Node Type"] == "Seq Scan"]
    )


def by_key(index: str, condition: str) -> bool:
    if index == "tournaments_match_pkey":
        return re.search(r"\(id = ", condition) is not None
    if index.startswith(("tournaments_match_player_1_id", "tournaments_match_player_2_id")):
        return re.search(r"\(player_[12]_id = ", condition) is not None  # one entrant's
    # (tournament, index): the prefix alone, the tournament, would read the whole bracket.
    return index == "match_index_unique" and "index" in condition


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)
