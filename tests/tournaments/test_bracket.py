"""The bracket engine: structure, seeding, byes, results, undos, disqualifications, placements."""

from __future__ import annotations

import pytest

from tests.tournaments.standard import FIRST_LOSERS_REMATCH_ROUND, standard_placements
from tournaments.bracket import (
    AlreadyDecided,
    AlreadyDisqualified,
    Bracket,
    BracketError,
    BracketFormat,
    FedMatchPlayed,
    ForfeitIsFinal,
    ForfeitsFedMatchPlayed,
    MatchState,
    NotDecided,
    NotDisqualified,
    NotPlaying,
    NotReady,
    Side,
    SourceKind,
    build,
    eliminated,
    feed_shift,
    identifier,
    report,
    standard_order,
)

SINGLE = BracketFormat.SINGLE_ELIMINATION
DOUBLE = BracketFormat.DOUBLE_ELIMINATION
SIZES = [2**k for k in range(1, 11)]


def find(bracket: Bracket, side: Side, round: int, position: int = 1) -> int:
    """The index of a match by its place in the drawing."""
    return next(
        m.index
        for m in bracket.structure.matches
        if (m.side, m.round, m.position) == (side, round, position)
    )


def players(bracket: Bracket, match: int) -> tuple[int | None, int | None]:
    return bracket.state(match).players


def win(bracket: Bracket, seed: int) -> dict[int, MatchState]:
    """`seed` wins its current match."""
    match = bracket.current_match(seed)
    return bracket.report(match, winner_slot=players(bracket, match).index(seed))


def four_to_the_grand_final() -> Bracket:
    """Four entrants, double elimination, played to a grand final of 1 v 2 (4th: 4, 3rd: 3)."""
    bracket = Bracket.create(DOUBLE, 4)
    for seed in (1, 2, 1, 3, 2):
        win(bracket, seed)
    return bracket


def play_favourites(bracket: Bracket) -> None:
    """The better seed wins every match."""
    while not bracket.is_complete():
        match = bracket.ready_matches()[0]
        win(bracket, min(players(bracket, match)))


def test_it_seeds_16_slots_and_11_entrants_as_brackets_manager_does():
    structure = build(SINGLE, 11)
    first = [m for m in structure.matches if m.round == 1]
    assert [(m.position, structure.initial_states()[m.index].players) for m in first] == [
        (2, (8, 9)),
        (6, (7, 10)),
        (8, (6, 11)),
    ]
    second = [
        structure.initial_states()[m.index].players for m in structure.matches if m.round == 2
    ]
    assert sorted(seed for pair in second for seed in pair if seed is not None) == [1, 2, 3, 4, 5]


def test_it_puts_seeds_1_and_2_in_opposite_halves_and_1_to_4_in_separate_quarters():
    assert standard_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]
    for size in SIZES[1:]:
        order = standard_order(size)
        assert sorted(order) == list(range(1, size + 1))
        quarter = size // 4
        assert sorted(order.index(seed) // quarter for seed in (1, 2, 3, 4)) == [0, 1, 2, 3]
        assert {order.index(1) // (2 * quarter), order.index(2) // (2 * quarter)} == {0, 1}
        pairs = {frozenset(order[i : i + 2]) for i in range(0, size, 2)}
        assert pairs == {frozenset((seed, size + 1 - seed)) for seed in range(1, size // 2 + 1)}


@pytest.mark.parametrize("format", [SINGLE, DOUBLE])
def test_it_meets_seeds_1_to_4_from_the_semifinals_on_when_favourites_win(format):
    bracket = Bracket.create(format, 16)
    semifinals = find(bracket, Side.WINNERS, 3), find(bracket, Side.WINNERS, 3, 2)
    while bracket.state(semifinals[1]).players[1] is None:
        win(bracket, min(players(bracket, bracket.ready_matches()[0])))
    assert [players(bracket, m) for m in semifinals] == [(1, 4), (2, 3)]


@pytest.mark.parametrize("format", [SINGLE, DOUBLE])
@pytest.mark.parametrize("count", [3, 5, 11, 17, 100, 513])
def test_it_never_lists_a_bye(format, count):
    structure = build(format, count)
    seeds = [
        s.value for spec in structure.matches for s in spec.sources if s.kind is SourceKind.SEED
    ]
    assert sorted(seeds) == list(range(1, count + 1))
    # Each seed, and each match's winner and loser, fills one slot at most.
    assert len({s for spec in structure.matches for s in spec.sources}) == 2 * len(
        structure.matches
    )


def test_it_cascades_byes_through_the_losers_bracket():
    structure = build(DOUBLE, 5)
    losers = [(m.round, m.position) for m in structure.matches if m.side is Side.LOSERS]
    # The first losers' round has no real match; its lone loser waits in round 2.
    assert losers == [(2, 1), (3, 1), (4, 1)]
    winners_round_1 = [m for m in structure.matches if m.side is Side.WINNERS and m.round == 1]
    assert [structure.initial_states()[m.index].players for m in winners_round_1] == [(4, 5)]
    assert winners_round_1[0].loser_to.match == next(
        m.index for m in structure.matches if (m.side, m.round) == (Side.LOSERS, 2)
    )


@pytest.mark.parametrize(
    "count", [*range(2, 65), 100, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 1023, 1024]
)
def test_it_has_exactly_the_right_number_of_matches(count):
    assert len(build(SINGLE, count).matches) == count - 1
    double = build(DOUBLE, count)
    assert len(double.matches) == 2 * count - 1
    assert sum(m.is_reset for m in double.matches) == 1


@pytest.mark.parametrize("count", [0, 1, 1025, -3, "8", 8.0, True, None])
def test_it_refuses_a_count_outside_2_to_1024(count):
    with pytest.raises(ValueError, match="2 to 1024 entrants"):
        build(SINGLE, count)


def test_it_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="unknown bracket format 'swiss'"):
        build("swiss", 8)
    assert build("double_elimination", 8) is build(DOUBLE, 8)


def test_it_names_matches_in_the_order_they_can_first_be_played():
    assert [identifier(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
    structure = build(DOUBLE, 8)
    drawn = [(m.identifier, m.side.value[0], m.round) for m in structure.matches]
    assert drawn == [
        ("A", "w", 1),
        ("B", "w", 1),
        ("C", "w", 1),
        ("D", "w", 1),
        ("E", "w", 2),
        ("F", "w", 2),
        ("G", "l", 1),
        ("H", "l", 1),
        ("I", "w", 3),
        ("J", "l", 2),
        ("K", "l", 2),
        ("L", "l", 3),
        ("M", "l", 4),
        ("N", "g", 1),
        ("O", "g", 2),
    ]
    # Seeds 2 and 3 both have a bye: their match can be played at once, second in line.
    assert [m.identifier for m in build(DOUBLE, 5).matches if m.round == 2][:2] == ["B", "C"]
    assert build(DOUBLE, 5).initial_states()[1].players == (2, 3)


def test_it_plays_two_entrants_double_elimination_as_a_rematch():
    bracket = Bracket.create(DOUBLE, 2)
    assert len(bracket.structure.matches) == 3
    win(bracket, 2)
    final = bracket.structure.final
    assert players(bracket, final) == (2, 1)
    assert bracket.ready_matches() == [final]
    win(bracket, 2)
    assert bracket.champion() == 2
    assert bracket.state(bracket.structure.reset).skipped
    assert bracket.placements() == {1: 2, 2: 1}


def test_it_ends_at_the_grand_final_when_the_winners_champion_wins_it():
    bracket = four_to_the_grand_final()
    final, reset = bracket.structure.final, bracket.structure.reset
    assert players(bracket, final) == (1, 2)
    changes = win(bracket, 1)
    assert changes == {
        final: MatchState(players=(1, 2), winner=0),
        reset: MatchState(skipped=True),
    }
    assert bracket.is_complete() and bracket.champion() == 1
    assert bracket.ready_matches() == []
    assert bracket.placements() == {1: 1, 2: 2, 3: 3, 4: 4}


def test_it_plays_the_reset_when_the_losers_champion_wins_the_grand_final():
    bracket = four_to_the_grand_final()
    final, reset = bracket.structure.final, bracket.structure.reset
    changes = win(bracket, 2)
    assert changes == {
        final: MatchState(players=(1, 2), winner=1),
        reset: MatchState(players=(1, 2)),
    }
    assert not bracket.is_complete()
    assert bracket.placements() == {3: 3, 4: 4}
    win(bracket, 2)
    assert bracket.champion() == 2
    assert bracket.placements() == {1: 2, 2: 1, 3: 3, 4: 4}


def test_it_refuses_to_report_a_match_still_waiting_for_a_player():
    bracket = Bracket.create(SINGLE, 4)
    with pytest.raises(NotReady, match="Match C is still waiting for a player."):
        bracket.report(bracket.structure.final, winner_slot=0)


def test_it_refuses_to_report_a_match_twice():
    bracket = Bracket.create(SINGLE, 4)
    bracket.report(0, winner_slot=1)
    with pytest.raises(AlreadyDecided, match="Match A already has a result."):
        bracket.report(0, winner_slot=0)


def test_it_refuses_to_report_the_reset_once_it_is_not_needed():
    bracket = Bracket.create(DOUBLE, 2)
    win(bracket, 1)
    win(bracket, 1)
    with pytest.raises(NotReady, match="reset that is not needed"):
        bracket.report(bracket.structure.reset, winner_slot=0)


def test_it_refuses_a_winner_slot_other_than_0_or_1():
    with pytest.raises(ValueError, match="winner_slot is 0 or 1"):
        Bracket.create(SINGLE, 4).report(0, winner_slot=2)


def test_it_refuses_to_undo_a_match_without_a_result():
    with pytest.raises(NotDecided, match="Match A has no result to undo."):
        Bracket.create(SINGLE, 4).undo(0)


@pytest.mark.parametrize(
    ("then", "fed"), [(1, "E"), (5, "G")], ids=["winners-destination", "losers-destination"]
)
def test_it_refuses_to_undo_once_a_fed_match_is_played(then, fed):
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)  # A: 1 v 8, feeding E (1 v winner of B) and G (8 v loser of B)
    win(bracket, 4)
    win(bracket, then)
    before = bracket.states()
    with pytest.raises(
        FedMatchPlayed, match=f"Match A cannot be undone: match {fed}, which it fed"
    ):
        bracket.undo(0)
    assert bracket.states() == before


def test_it_raises_every_refusal_as_a_bracket_error():
    refusals = [NotReady, AlreadyDecided, NotDecided, FedMatchPlayed, ForfeitIsFinal]
    refusals += [AlreadyDisqualified, NotPlaying]
    assert all(issubclass(refusal, BracketError) for refusal in refusals)


def test_it_undoes_a_result_and_takes_a_new_one():
    bracket = Bracket.create(DOUBLE, 8)
    before = bracket.states()
    changes = win(bracket, 8)
    assert set(changes) == {0, 4, 6}
    undone = bracket.undo(0)
    assert set(undone) == {0, 4, 6}
    assert bracket.states() == before
    win(bracket, 1)
    assert players(bracket, 4) == (1, None)
    assert players(bracket, 6) == (8, None)


@pytest.mark.parametrize("winner", [1, 2])
def test_it_undoes_a_grand_final(winner):
    bracket = Bracket.create(DOUBLE, 2)
    win(bracket, 1)
    before = bracket.states()
    win(bracket, winner)
    bracket.undo(bracket.structure.final)
    assert bracket.states() == before
    assert bracket.ready_matches() == [bracket.structure.final]


def test_it_refuses_to_undo_a_grand_final_once_the_reset_is_played():
    bracket = Bracket.create(DOUBLE, 2)
    win(bracket, 1)
    win(bracket, 2)
    win(bracket, 2)
    with pytest.raises(FedMatchPlayed):
        bracket.undo(bracket.structure.final)


def test_it_reads_only_the_reported_match_and_its_destinations():
    structure = build(DOUBLE, 1024)
    states = structure.initial_states()
    read: list[int] = []

    class Rows:
        def __getitem__(self, index: int) -> MatchState:
            read.append(index)
            return states[index]

    spec = structure.matches[0]
    changes = report(structure, Rows(), 0, winner_slot=0)
    assert set(read) == set(changes) == {0, spec.winner_to.match, spec.loser_to.match}
    assert changes[spec.winner_to.match].players[spec.winner_to.slot] == 1


def test_it_forfeits_a_disqualified_entrants_match_and_the_next_ones_as_they_come():
    bracket = Bracket.create(DOUBLE, 8)
    changes = bracket.disqualify(8)
    assert changes[0] == MatchState(players=(1, 8), winner=0, forfeit=True)
    assert players(bracket, 4) == (1, None)
    # In the losers' bracket, 8 waits for the loser of 4 v 5, then forfeits at once.
    assert players(bracket, 6) == (8, None) and bracket.current_match(8) == 6
    changes = win(bracket, 4)
    assert changes[6] == MatchState(players=(8, 5), winner=1, forfeit=True)
    assert bracket.current_match(8) is None
    assert bracket.placements() == {8: 7}
    with pytest.raises(ValueError, match="seed 9 is not in this bracket of 8"):
        bracket.disqualify(9)
    with pytest.raises(ForfeitIsFinal):
        bracket.undo(0)


def test_it_refuses_to_disqualify_twice_or_once_eliminated():
    bracket = Bracket.create(SINGLE, 4)
    bracket.disqualify(4)
    with pytest.raises(AlreadyDisqualified):
        bracket.disqualify(4)
    win(bracket, 2)
    with pytest.raises(NotPlaying, match="Seed 3 has no match left to forfeit."):
        bracket.disqualify(3)


def test_it_waits_for_the_opponent_before_forfeiting():
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)
    assert bracket.disqualify(1) == {}
    changes = win(bracket, 4)  # 4 v 5 decided: 4 meets 1 in round 2
    assert changes[4] == MatchState(players=(1, 4), winner=1, forfeit=True)
    assert players(bracket, bracket.current_match(1))[0] == 1


def test_it_forfeits_again_when_a_disqualified_entrants_win_is_undone():
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)
    bracket.disqualify(1)
    changes = bracket.undo(0)
    assert changes[0] == MatchState(players=(1, 8), winner=1, forfeit=True)
    assert players(bracket, 4) == (8, None)
    assert players(bracket, 6) == (1, None)


def test_it_returns_only_what_an_undo_really_changed():
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)
    bracket.disqualify(8)  # waiting in the losers' bracket
    # Undone, 1 v 8 is forfeited to 1 at once: only the forfeit flag changes.
    assert bracket.undo(0) == {0: MatchState(players=(1, 8), winner=0, forfeit=True)}


def test_it_forfeits_in_the_losers_bracket():
    bracket = Bracket.create(DOUBLE, 8)
    for seed in (1, 4, 2, 3, 5):
        win(bracket, seed)
    match = bracket.current_match(5)
    assert bracket.structure.matches[match].side is Side.LOSERS
    assert bracket.disqualify(5) == {}
    changes = win(bracket, 2)  # 3 drops from winners' round 2 and meets 5
    assert changes[match] == MatchState(players=(3, 5), winner=0, forfeit=True)
    assert bracket.current_match(5) is None
    assert bracket.placements() == {8: 7, 5: 5}


@pytest.mark.parametrize(("disqualified", "champion"), [(1, 2), (2, 1)])
def test_it_forfeits_a_grand_final(disqualified, champion):
    bracket = four_to_the_grand_final()
    assert players(bracket, bracket.structure.final) == (1, 2)
    bracket.disqualify(disqualified)
    assert bracket.champion() == champion
    reset = bracket.state(bracket.structure.reset)
    # The winners' champion forfeits the grand final and then the reset it earned the other.
    assert reset.skipped if disqualified == 2 else reset.forfeit
    assert bracket.placements() == {champion: 1, disqualified: 2, 3: 3, 4: 4}


def test_it_lets_the_better_of_two_disqualified_entrants_forfeit_the_next_match():
    bracket = Bracket.create(DOUBLE, 8)
    bracket.disqualify(8)  # forfeits to 1, then waits in the losers' bracket
    changes = bracket.disqualify(5)  # forfeits to 4 and drops in against 8
    first = find(bracket, Side.LOSERS, 1)
    assert changes[first] == MatchState(players=(8, 5), winner=1, forfeit=True)
    assert set(changes) == {1, first, bracket.current_match(4), bracket.current_match(5)}
    for seed in (2, 3, 2):
        win(bracket, seed)
    assert bracket.state(find(bracket, Side.LOSERS, 2)) == MatchState(
        players=(3, 5), winner=0, forfeit=True
    )
    assert bracket.placements() == {8: 7, 5: 5}


# Reinstating: a disqualification taken back


def test_it_reinstates_as_if_the_disqualification_never_happened():
    bracket = Bracket.create(DOUBLE, 8)
    bracket.disqualify(8)
    changes = bracket.reinstate(8)
    assert set(changes) == {0, 4, 6}  # 1 v 8, where 1 went, where 8 went
    assert bracket.states() == bracket.structure.initial_states()
    assert not bracket.disqualified and bracket.current_match(8) == 0
    assert 0 in bracket.ready_matches() and bracket.placements() == {}


def test_it_reinstates_an_entrant_whose_forfeit_was_still_pending():
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)
    assert bracket.disqualify(1) == {}
    assert bracket.reinstate(1) == {}
    changes = win(bracket, 4)  # 4 meets 1 in round 2, and it is played, not forfeited
    assert changes[4] == MatchState(players=(1, 4))


def test_it_undoes_the_losers_bracket_forfeit_that_came_later():
    bracket = Bracket.create(DOUBLE, 8)
    win(bracket, 1)  # 8 drops into the losers' bracket
    bracket.disqualify(8)
    losers = bracket.current_match(8)
    win(bracket, 4)  # 5 drops in and 8 forfeits to them
    assert bracket.state(losers).forfeit
    changes = bracket.reinstate(8)
    assert changes[losers] == MatchState(players=(8, 5))
    assert bracket.current_match(8) == losers and bracket.placements() == {}
    assert bracket.state(0) == MatchState(players=(1, 8), winner=0)  # played: it stands


def test_it_refuses_once_a_match_the_forfeit_fed_is_played():
    bracket = Bracket.create(DOUBLE, 8)
    bracket.disqualify(8)  # 1 goes on to match E
    win(bracket, 4)
    win(bracket, 1)  # E: 1 beats 4
    before = bracket.states()
    with pytest.raises(ForfeitsFedMatchPlayed) as refused:
        bracket.reinstate(8)
    assert refused.value.params == {"match": "A", "fed": "E"}
    assert str(refused.value) == (
        "The forfeit of match A cannot be undone: match E, which it fed, already has a result."
    )
    assert isinstance(refused.value, FedMatchPlayed)
    assert bracket.states() == before and bracket.disqualified == {8}
    bracket.undo(4)  # the organiser resets E first; now it can be done
    bracket.reinstate(8)
    assert bracket.state(0).ready


@pytest.mark.parametrize("disqualified", [1, 2])
def test_it_reinstates_in_the_grand_final_and_the_reset(disqualified):
    bracket = four_to_the_grand_final()
    before = bracket.states()
    bracket.disqualify(disqualified)
    assert bracket.is_complete()
    bracket.reinstate(disqualified)
    # 1 forfeited the grand final and the reset; 2's forfeit had skipped the reset.
    assert bracket.states() == before
    assert bracket.champion() is None and bracket.placements() == {3: 3, 4: 4}
    assert bracket.ready_matches() == [bracket.structure.final]


def test_it_reinstates_in_single_elimination():
    bracket = Bracket.create(SINGLE, 4)
    bracket.disqualify(4)
    win(bracket, 2)
    win(bracket, 2)  # the final, C: 2 beats 1, who went on by 4's forfeit
    with pytest.raises(ForfeitsFedMatchPlayed, match="match C, which it fed"):
        bracket.reinstate(4)
    final = bracket.structure.final
    bracket.undo(final)
    assert bracket.reinstate(4) == {0: MatchState(players=(1, 4)), final: MatchState((None, 2))}


def double_forfeit() -> Bracket:
    """8 and 5 disqualified; they meet in the losers' bracket, where 5 goes on by forfeit."""
    bracket = Bracket.create(DOUBLE, 8)
    bracket.disqualify(8)
    bracket.disqualify(5)
    return bracket


@pytest.mark.parametrize(("reinstated", "still_out"), [(8, 5), (5, 8)])
def test_reinstating_one_of_two_who_met_is_as_if_only_the_other_was_out(reinstated, still_out):
    bracket = double_forfeit()
    bracket.reinstate(reinstated)
    only = Bracket.create(DOUBLE, 8)
    only.disqualify(still_out)
    assert bracket.states() == only.states() and bracket.disqualified == {still_out}
    assert bracket.current_match(reinstated) in bracket.ready_matches()


@pytest.mark.parametrize(("reinstated", "waiting"), [(8, (None, 5)), (5, (8, None))])
def test_reinstating_one_of_two_who_met_undoes_the_forfeits_that_followed(reinstated, waiting):
    bracket = double_forfeit()
    for seed in (2, 3, 2):
        win(bracket, seed)  # 3 drops in against 5, who forfeits
    second = find(bracket, Side.LOSERS, 2)
    assert bracket.state(second).forfeit
    bracket.reinstate(reinstated)
    assert bracket.state(second) == MatchState(players=(3, None))
    assert bracket.state(find(bracket, Side.LOSERS, 1)) == MatchState(players=waiting)
    assert bracket.current_match(reinstated) in bracket.ready_matches()


def test_it_follows_forfeits_to_the_played_match_behind_them():
    bracket = Bracket.create(SINGLE, 8)
    win(bracket, 1)
    bracket.disqualify(1)  # waits in E for the winner of 4 v 5
    bracket.disqualify(5)  # forfeits B to 4, who goes on by 1's forfeit of E
    for seed in (2, 3, 2, 2):
        win(bracket, seed)  # ... and the final, G: 2 beats 4
    for seed in (5, 1):
        with pytest.raises(ForfeitsFedMatchPlayed) as refused:
            bracket.reinstate(seed)
        assert refused.value.params == {"match": "E", "fed": "G"}
    bracket.undo(bracket.structure.final)
    bracket.reinstate(5)
    assert bracket.state(4) == MatchState(players=(1, None)) and bracket.state(1).ready
    assert bracket.disqualified == {1}


def test_it_refuses_to_reinstate_who_is_not_disqualified():
    bracket = Bracket.create(SINGLE, 4)
    with pytest.raises(NotDisqualified, match="Seed 3 is not disqualified."):
        bracket.reinstate(3)
    with pytest.raises(ValueError, match="seed 5 is not in this bracket of 4"):
        bracket.reinstate(5)


def test_it_places_8_and_16_entrants_as_usual():
    expected = {
        (SINGLE, 8): {1: 1, 2: 2, 3: 3, 4: 3, 5: 5, 6: 5, 7: 5, 8: 5},
        (DOUBLE, 8): {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 7: 7, 8: 7},
        (SINGLE, 16): {
            **{1: 1, 2: 2, 3: 3, 4: 3},
            **dict.fromkeys(range(5, 9), 5),
            **dict.fromkeys(range(9, 17), 9),
        },
        (DOUBLE, 16): {
            **{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 7: 7, 8: 7},
            **dict.fromkeys(range(9, 13), 9),
            **dict.fromkeys(range(13, 17), 13),
        },
    }
    for (format, count), placements in expected.items():
        bracket = Bracket.create(format, count)
        play_favourites(bracket)
        assert bracket.placements() == placements
        assert sorted(placements.values()) == standard_placements(format, count)


@pytest.mark.parametrize("format", [SINGLE, DOUBLE])
@pytest.mark.parametrize("count", [2, 5, 8, 13])
def test_it_places_each_entrant_from_the_one_result_that_puts_it_out(format, count):
    bracket = Bracket.create(format, count)
    placed: dict[int, int] = {}
    while not bracket.is_complete():
        match = bracket.ready_matches()[-1]
        for index, state in win(bracket, max(players(bracket, match))).items():
            if out := eliminated(bracket.structure, index, state):
                assert out[0] not in placed
                placed[out[0]] = out[1]
    placed[bracket.champion()] = 1
    assert placed == bracket.placements()


def test_it_feeds_the_losers_bracket_by_van_der_corput_masks():
    assert [feed_shift(round, 4) for round in range(1, 6)] == [0, 8, 4, 12, 2]
    assert feed_shift(2, 0) == 0


def walk(structure, match: int) -> list[int]:
    """The matches a dropped entrant can reach from `match`, in order."""
    path = [match]
    while structure.matches[path[-1]].winner_to is not None:
        path.append(structure.matches[path[-1]].winner_to.match)
    return path


@pytest.mark.parametrize("count", [*SIZES[1:], 5, 11, 100, 300, 700])
def test_it_holds_rematches_in_the_losers_bracket_until_its_guaranteed_round(count):
    structure = build(DOUBLE, count)
    rounds = (count - 1).bit_length()
    earliest = 99
    for spec in structure.matches:
        if spec.side is not Side.WINNERS:
            continue
        # Every later winners' match its winner can reach, and where the two losers first meet.
        dropped = walk(structure, spec.loser_to.match)
        for later in walk(structure, spec.index)[1:]:
            if structure.matches[later].side is not Side.WINNERS:
                break
            drops = walk(structure, structure.matches[later].loser_to.match)
            meeting = structure.matches[next(m for m in drops if m in set(dropped))]
            if meeting.side is not Side.LOSERS:
                continue
            earliest = min(earliest, meeting.round)
            if structure.matches[later].round == spec.round + 1:
                assert meeting.round >= 2 * rounds - 3
    guarantee = FIRST_LOSERS_REMATCH_ROUND[structure.size]
    assert earliest >= guarantee
    if count == structure.size:
        assert earliest == guarantee


def test_it_can_cross_seeds_1_and_2_early_in_the_losers_bracket():
    # The price of keeping rematches late: winners' round 2 losers cross to the other half.
    bracket = Bracket.create(DOUBLE, 8)
    for seed in (8, 4, 2, 3, 1, 3):
        win(bracket, seed)
    match = bracket.current_match(1)
    assert players(bracket, match) == (2, 1)
    assert (bracket.structure.matches[match].side, bracket.structure.matches[match].round) == (
        Side.LOSERS,
        2,
    )
