"""The bracket engine under random sizes and random play: results, undos, disqualifications and
reinstatements."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tournaments.standard import FIRST_LOSERS_REMATCH_ROUND, standard_placements
from tournaments.bracket import (
    AlreadyDecided,
    Bracket,
    BracketFormat,
    FedMatchPlayed,
    ForfeitsFedMatchPlayed,
    MatchState,
    NotReady,
    Side,
    SourceKind,
    build,
)

NEAR_POWERS = sorted({2**k + d for k in range(1, 11) for d in (-1, 0, 1)} & set(range(2, 1025)))
sizes = st.one_of(st.integers(2, 17), st.sampled_from(NEAR_POWERS), st.integers(2, 1024))
formats = st.sampled_from(BracketFormat)


class Referee:
    """Plays a bracket at random and checks every change against the rules as it goes.

    It keeps its own account from the changes each operation returns (losses, unfinished
    matches per entrant, winners' bracket meetings), so what it checks is what a database
    layer writing only those changes would hold.
    """

    def __init__(
        self,
        format: BracketFormat,
        count: int,
        rng: random.Random,
        dq_rate: float = 0.02,
        *,
        reinstate_rate: float = 0.0,
        oracle: bool = False,
    ) -> None:
        self.bracket = Bracket.create(format, count)
        self.dq_rate = dq_rate
        self.reinstate_rate = reinstate_rate
        # Check each reinstatement against a replay (O(matches) each) of the disqualifications
        # and the real results standing, each at the time it last happened.
        self.oracle = oracle
        self.clock = 0
        self.dq_time: dict[int, int] = {}
        self.result_time: dict[int, int] = {}
        self.structure = self.bracket.structure
        self.rng = rng
        self.double = format is BracketFormat.DOUBLE_ELIMINATION
        self.states = list(self.structure.initial_states())
        self.losses: Counter[int] = Counter()
        self.unfinished: dict[int, set[int]] = {seed: set() for seed in range(1, count + 1)}
        self.met_in_winners: Counter[frozenset[int]] = Counter()
        self.dropped_in: dict[int, int] = {}  # seed: winners' round it lost in
        self.rounds = (count - 1).bit_length()
        for index, state in enumerate(self.states):
            self.account(index, state, +1)

    def account(self, index: int, state: MatchState, sign: int) -> None:
        spec = self.structure.matches[index]
        if state.winner is not None:
            loser = state.players[1 - state.winner]
            self.losses[loser] += sign
            if spec.side is Side.WINNERS:
                self.met_in_winners[frozenset(state.players)] += sign
                if sign > 0:
                    self.dropped_in[loser] = spec.round
                else:
                    del self.dropped_in[loser]
        elif not state.skipped:
            for seed in state.players:
                if seed is not None:
                    (self.unfinished[seed].add if sign > 0 else self.unfinished[seed].discard)(
                        index
                    )

    def apply(self, changes: dict[int, MatchState], *, forfeits: bool) -> None:
        if not forfeits:
            # A result or an undo without disqualifications touches its match and two more.
            assert len(changes) <= 3
        touched = set()
        for index, state in changes.items():
            assert state != self.states[index], "an unchanged state was returned"
            touched.update(s for s in self.states[index].players + state.players if s)
            self.account(index, self.states[index], -1)
            self.account(index, state, +1)
            self.states[index] = state
        out = self.bracket.disqualified
        for index, state in changes.items():
            if state.ready:
                assert not out.intersection(state.players), "a disqualified entrant must forfeit"
                self.check_meeting(index, state)
            elif state.forfeit:
                winner, loser = state.players[state.winner], state.players[1 - state.winner]
                assert loser in out and (winner not in out or winner < loser)
        for seed in touched:
            self.check_entrant(seed)

    def check_entrant(self, seed: int) -> None:
        limit = 2 if self.double else 1
        matches = self.unfinished[seed]
        assert len(matches) <= 1, f"seed {seed} is in {len(matches)} unfinished matches"
        assert self.losses[seed] <= limit
        out = self.losses[seed] == limit or self.bracket.champion() == seed
        assert bool(matches) == (not out)
        assert self.bracket.current_match(seed) == (next(iter(matches)) if matches else None)

    def check_meeting(self, index: int, state: MatchState) -> None:
        spec = self.structure.matches[index]
        pair = frozenset(state.players)
        if spec.side is Side.LOSERS and self.met_in_winners[pair]:
            assert spec.round >= FIRST_LOSERS_REMATCH_ROUND[self.structure.size]
        if pair == {1, 2}:
            if not self.double:
                assert index == self.structure.final
            elif spec.side is Side.WINNERS:
                assert spec.round == self.rounds
            elif spec.side is Side.LOSERS and self.dropped_in[1] == self.dropped_in[2]:
                assert spec.round >= 2 * self.rounds - 3

    def step(self) -> None:
        bracket, rng = self.bracket, self.rng
        if bracket.disqualified and rng.random() < self.reinstate_rate:
            self.try_reinstate(rng.choice(sorted(bracket.disqualified)))
            return
        roll = rng.random() - self.dq_rate
        if roll < 0:
            alive = [s for s in self.unfinished if self.unfinished[s]]
            alive = [s for s in alive if s not in bracket.disqualified]
            if alive:
                self.disqualify(rng.choice(alive))
                return
        if roll < 0.08:
            decided = [i for i, s in enumerate(self.states) if s.winner is not None]
            if decided:
                self.try_undo(rng.choice(decided))
                return
        if roll < 0.10:
            self.try_report_unready()
        ready = bracket.ready_matches()
        self.report(rng.choice(ready[:4]), rng.randrange(2))

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def report(self, match: int, winner_slot: int) -> None:
        self.apply(self.bracket.report(match, winner_slot=winner_slot), forfeits=True)
        self.result_time[match] = self.tick()

    def disqualify(self, seed: int) -> None:
        self.apply(self.bracket.disqualify(seed), forfeits=True)
        self.dq_time[seed] = self.tick()

    def try_undo(self, match: int) -> None:
        spec, state = self.structure.matches[match], self.states[match]
        fed = [d.match for d in (spec.winner_to, spec.loser_to) if d is not None]
        if state.forfeit:
            return
        if self.oracle and self.bracket.disqualified.intersection(state.players):
            # Undone, it is forfeited on the spot, in an order no replay of the
            # disqualifications can reproduce (a double forfeit goes by seed, not by time).
            return
        if any(self.states[m].winner is not None for m in fed):
            before = list(self.states)
            try:
                self.bracket.undo(match)
            except FedMatchPlayed:
                assert self.bracket.states() == tuple(before)
                return
            raise AssertionError("undo after a fed match was played")
        self.apply(self.bracket.undo(match), forfeits=bool(self.bracket.disqualified))
        assert self.states[match].ready or self.states[match].forfeit
        del self.result_time[match]

    def try_reinstate(self, seed: int) -> None:
        """Reinstates `seed`, or checks why not. Refused exactly when a match its forfeits
        fed has a real result: always when one its own forfeits fed has one, and never when
        all would still stand; then the bracket is as if it had never been disqualified."""
        before = self.bracket.states()
        index_of = {m.identifier: m.index for m in self.structure.matches}
        own = [
            fed
            for index, state in enumerate(before)
            if state.forfeit and state.players[1 - state.winner] == seed
            if not (index == self.structure.final and state.winner == 0 and self.double)
            for fed in self.fed_by(index)
        ]
        expected = None
        if self.oracle:
            assert self.alike(self.replayed(), before)
            expected = self.replayed(without=seed)
        try:
            changes = self.bracket.reinstate(seed)
        except ForfeitsFedMatchPlayed as refused:
            assert self.bracket.states() == before and seed in self.bracket.disqualified
            match, fed = index_of[refused.params["match"]], index_of[refused.params["fed"]]
            assert before[match].forfeit and fed in self.fed_by(match)
            assert before[fed].decided and not before[fed].forfeit
            if self.oracle and not self.double:
                assert expected is None, "refused though every real result still stands"
            return
        assert not [fed for fed in own if before[fed].decided and not before[fed].forfeit]
        self.apply(changes, forfeits=True)
        del self.dq_time[seed]
        assert seed not in self.bracket.disqualified
        assert self.bracket.current_match(seed) is not None
        if self.oracle:
            assert expected is not None, "reinstated though a real result no longer stands"
            assert self.alike(self.bracket.states(), expected)

    def fed_by(self, index: int) -> list[int]:
        spec = self.structure.matches[index]
        return [d.match for d in (spec.winner_to, spec.loser_to) if d is not None]

    def alike(self, states, others) -> bool:
        """The same states; in double elimination, the same but for which of two disqualified
        entrants who meet goes on to forfeit the next match: the engine sends the better
        seed, as it does when an undo forfeits again, a replay the one disqualified later."""
        if not self.double:
            return states == others
        out = self.bracket.disqualified

        def blurred(state: MatchState):
            players = tuple(0 if seed in out else seed for seed in state.players)
            winner = None if state.winner is None else players[state.winner]
            return players, winner, state.skipped

        return others is not None and list(map(blurred, states)) == list(map(blurred, others))

    def replayed(self, *, without: int | None = None) -> tuple[MatchState, ...] | None:
        """The states from scratch: the disqualifications (but `without`'s) and the real
        results standing, in the order they last happened; None when a result's match would
        not be there to play with the same two players."""
        results = {i: s for i, s in enumerate(self.states) if s.decided and not s.forfeit}
        events = [(self.result_time[i], i, None) for i in results]
        events += [(t, None, seed) for seed, t in self.dq_time.items() if seed != without]
        bracket = Bracket(self.structure)
        for _, index, seed in sorted(events):
            if seed is not None:
                if bracket.current_match(seed) is None:
                    return None
                bracket.disqualify(seed)
            elif bracket.state(index) != replace(results[index], winner=None):
                return None
            else:
                bracket.report(index, winner_slot=results[index].winner)
        return bracket.states()

    def try_report_unready(self) -> None:
        waiting = [i for i, s in enumerate(self.states) if not s.ready]
        if waiting:
            match = self.rng.choice(waiting)
            try:
                self.bracket.report(match, winner_slot=0)
            except (NotReady, AlreadyDecided):
                return
            raise AssertionError(f"reported match {match}, which was not ready")

    def finish(self) -> None:
        count = self.structure.entrant_count
        champion = self.bracket.champion()
        assert champion is not None
        for seed in range(1, count + 1):
            self.check_entrant(seed)
        assert [s for s in self.unfinished if self.unfinished[s]] == []
        played = sum(state.winner is not None for state in self.states)
        if self.double:
            assert played in (2 * count - 2, 2 * count - 1)
            reset = self.states[self.structure.reset]
            assert reset.skipped == (played == 2 * count - 2)
            assert self.losses[champion] == (0 if reset.skipped else 1)
        else:
            assert played == count - 1
            assert self.losses[champion] == 0
        placements = self.bracket.placements()
        assert set(placements) == set(range(1, count + 1))
        assert sorted(placements.values()) == standard_placements(self.structure.format, count)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    format=formats,
    count=sizes,
    rng=st.randoms(use_true_random=False),
    dq_rate=st.sampled_from([0.0, 0.02, 0.3]),
    reinstate_rate=st.sampled_from([0.0, 0.02, 0.1]),
)
def test_it_plays_any_bracket_to_a_proper_end(format, count, rng, dq_rate, reinstate_rate):
    referee = Referee(format, count, rng, dq_rate, reinstate_rate=reinstate_rate)
    play_for(referee, 4 * count)
    play_to_the_end(referee)
    referee.finish()


def play_to_the_end(referee: Referee) -> None:
    """Results only, so undos and reinstatements cannot hold the end off for ever."""
    while not referee.bracket.is_complete():
        referee.report(referee.bracket.ready_matches()[0], referee.rng.randrange(2))


def play_for(referee: Referee, steps: int) -> None:
    for _ in range(steps):
        if referee.bracket.is_complete():
            return
        referee.step()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    format=formats,
    count=sizes,
    rng=st.randoms(use_true_random=False),
    dq_rate=st.sampled_from([0.02, 0.3]),
    progress=st.floats(0, 1),
)
def test_reinstating_right_after_a_disqualification_gives_the_bracket_back(
    format, count, rng, dq_rate, progress
):
    referee = Referee(format, count, rng, dq_rate, reinstate_rate=0.05)
    play_for(referee, int(progress * 3 * count))
    bracket = referee.bracket
    alive = [s for s in range(1, count + 1) if bracket.current_match(s) is not None]
    alive = [s for s in alive if s not in bracket.disqualified]
    if not alive:
        return
    seed = rng.choice(alive)
    before = bracket.states()
    forfeited = bracket.disqualify(seed)
    back = bracket.reinstate(seed)
    assert bracket.states() == before and seed not in bracket.disqualified
    assert back == {index: before[index] for index in forfeited}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    format=formats,
    count=st.one_of(st.integers(2, 40), st.sampled_from([63, 64, 65, 128, 129])),
    rng=st.randoms(use_true_random=False),
    dq_rate=st.sampled_from([0.05, 0.3]),
)
def test_reinstating_later_is_refused_exactly_when_a_real_result_stands_in_the_way(
    format, count, rng, dq_rate
):
    """Against a replay from scratch without that disqualification: refused exactly when
    some real result could no longer be played as it was; else the replay's states."""
    referee = Referee(format, count, rng, dq_rate, reinstate_rate=0.1, oracle=True)
    play_for(referee, 4 * count)
    play_to_the_end(referee)
    for seed in sorted(referee.bracket.disqualified):
        referee.try_reinstate(seed)  # a finished bracket: only the last forfeits can go
    play_to_the_end(referee)
    referee.finish()


@settings(max_examples=60, deadline=None)
@given(format=formats, count=sizes)
def test_it_builds_a_consistent_graph(format, count):
    structure = build(format, count)
    slots = Counter()
    for spec in structure.matches:
        for destination in (spec.winner_to, spec.loser_to):
            if destination is not None:
                assert destination.match > spec.index  # play order is a topological order
                slots[destination.match, destination.slot] += 1
        if spec.loser_to is None:
            assert spec.loser_placement is not None
    seeded = sum(s.kind is SourceKind.SEED for spec in structure.matches for s in spec.sources)
    assert seeded + sum(slots.values()) == 2 * len(structure.matches)
    assert max(slots.values(), default=1) == 1
