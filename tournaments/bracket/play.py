"""Playing a bracket: results, undos, disqualifications and reinstatements, each returning
only what changed."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Set
from dataclasses import replace
from typing import Protocol

from tournaments.bracket.structure import (
    BracketFormat,
    Destination,
    MatchSpec,
    MatchState,
    SourceKind,
    Structure,
    build,
)


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogues without importing Django (makemessages has
    xgettext look for this name): the engine speaks English, and a caller that shows a
    refusal translates its `message` and fills in its `params` (tournaments.operations)."""
    return message


class BracketError(Exception):
    """A move the rules refuse, in words fit to show the organiser: `message` (English, with
    %(name)s placeholders) and the `params` that fill it; str() is the English text."""

    def __init__(self, message: str, **params: object):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


class NotReady(BracketError):
    """The match is still waiting for a player, or it is a reset that is not needed."""


class AlreadyDecided(BracketError):
    """The match already has a result."""


class NotDecided(BracketError):
    """There is no result to undo."""


class FedMatchPlayed(BracketError):
    """A match this result fed already has its own result, so this one stands."""


class ForfeitIsFinal(BracketError):
    """A forfeit follows from a disqualification: undone alone, it would be forfeited again."""


class ForfeitsFedMatchPlayed(FedMatchPlayed):
    """A reinstatement would undo a forfeit whose match fed one that has its own result."""


class AlreadyDisqualified(BracketError):
    """The entrant is already disqualified."""


class NotDisqualified(BracketError):
    """The entrant is not disqualified, so there is nothing to take back."""


class NotPlaying(BracketError):
    """The entrant has no unfinished match there (eliminated, champion, or another match)."""


class States(Protocol):
    """Match states by index: a list, a dict of the rows a caller loaded, or a lazy loader."""

    def __getitem__(self, index: int, /) -> MatchState: ...


Changes = dict[int, MatchState]


def report(
    structure: Structure,
    states: States,
    match: int,
    *,
    winner_slot: int,
    disqualified: Set[int] = frozenset(),
) -> Changes:
    """Records that slot `winner_slot` (0 or 1) won `match`, which must be ready.

    Places the winner (and in double elimination the loser) in their next matches; a grand
    final won by slot 0 ends the tournament and skips the reset, won by slot 1 it fills the
    reset. A next match that becomes ready with a disqualified player is forfeited at once, and
    so on. Reads `match`, its destinations and, for forfeits, the matches they reach; returns
    the new state of every match it changed, by index.
    """
    if winner_slot not in (0, 1):
        raise ValueError(f"winner_slot is 0 or 1, not {winner_slot!r}")
    play = _Play(structure, states, disqualified)
    state, name = play.get(match), structure.matches[match].identifier
    if state.decided:
        raise AlreadyDecided(gettext_noop("Match %(match)s already has a result."), match=name)
    if state.skipped:
        raise NotReady(
            gettext_noop("Match %(match)s is a grand final reset that is not needed."), match=name
        )
    if not state.ready:
        raise NotReady(gettext_noop("Match %(match)s is still waiting for a player."), match=name)
    play.decide(match, winner_slot, forfeit=False)
    return play.result()


def undo(
    structure: Structure, states: States, match: int, *, disqualified: Set[int] = frozenset()
) -> Changes:
    """Takes back the result of `match` while no match it fed has a result.

    Removes the players it placed (or un-skips the reset), so `match` is ready again; if one
    of its players has been disqualified since, it is forfeited again at once. Refuses a
    forfeit: it is the disqualification that decided it. Returns the changed states.
    """
    play = _Play(structure, states, disqualified)
    spec = structure.matches[match]
    state = play.get(match)
    if not state.decided:
        raise NotDecided(
            gettext_noop("Match %(match)s has no result to undo."), match=spec.identifier
        )
    if state.forfeit:
        raise ForfeitIsFinal(
            gettext_noop("Match %(match)s was forfeited by a disqualified entrant; it stands."),
            match=spec.identifier,
        )
    for fed in _destinations(spec):
        if play.get(fed).decided:
            raise FedMatchPlayed(
                gettext_noop(
                    "Match %(match)s cannot be undone: match %(fed)s, which it fed, already "
                    "has a result."
                ),
                match=spec.identifier,
                fed=structure.matches[fed].identifier,
            )
    play.clear(match)
    play.forfeit_if_disqualified(match, play.get(match))
    return play.result()


def disqualify(
    structure: Structure,
    states: States,
    seed: int,
    *,
    match: int | None,
    disqualified: Set[int] = frozenset(),
) -> Changes:
    """Disqualifies `seed`, whose unfinished match is `match` (None if it has none): a loss by
    forfeit now if that match is ready, else the moment it becomes ready, and so for every
    later match.

    `disqualified` holds the seeds disqualified before; the caller records `seed` with them.
    Returns the changed states (none when the opponent is not known yet).
    """
    if not 1 <= seed <= structure.entrant_count:
        raise ValueError(f"seed {seed!r} is not in this bracket of {structure.entrant_count}")
    if seed in disqualified:
        raise AlreadyDisqualified(gettext_noop("Seed %(seed)s is already disqualified."), seed=seed)
    play = _Play(structure, states, disqualified | {seed})
    state = None if match is None else play.get(match)
    if state is None or seed not in state.players or state.decided or state.skipped:
        raise NotPlaying(gettext_noop("Seed %(seed)s has no match left to forfeit."), seed=seed)
    play.forfeit_if_disqualified(match, state)
    return play.result()


def reinstate(
    structure: Structure, states: States, seed: int, *, disqualified: Set[int]
) -> Changes:
    """Takes back the disqualification of `seed` (one of `disqualified`, the seeds
    disqualified now; the caller drops it from them): every forfeit it caused is undone,
    latest first, as if it had never been disqualified.

    Those forfeits are the ones `seed` lost, and every forfeit after them in a match they
    fed (a disqualified opponent's next match, say), since undoing a match takes its players
    back out of the matches it fed. A double forfeit `seed` won stands: its opponent is still
    out. Refused while any match those forfeits fed has a result of its own; the other
    disqualified entrants forfeit again where they still must (a double forfeit `seed` lost
    goes to `seed`). Returns the changed states (none while its forfeit was still pending).
    """
    if not 1 <= seed <= structure.entrant_count:
        raise ValueError(f"seed {seed!r} is not in this bracket of {structure.entrant_count}")
    if seed not in disqualified:
        raise NotDisqualified(gettext_noop("Seed %(seed)s is not disqualified."), seed=seed)
    play = _Play(structure, states, disqualified - {seed})
    undone = _forfeits_after(play, _forfeits_lost(play, seed))
    for index in sorted(undone, reverse=True):
        play.clear(index)
    for index in sorted(undone):
        play.forfeit_if_disqualified(index, play.get(index))
    return play.result()


def _forfeits_lost(play: _Play, seed: int) -> list[int]:
    """The matches `seed` lost by forfeit, along its way through the bracket so far (the
    rows of its own matches, nothing else)."""
    structure, lost = play.structure, []
    index: int | None = next(
        spec.index
        for spec in structure.matches
        if any(s.kind is SourceKind.SEED and s.value == seed for s in spec.sources)
    )
    while index is not None:
        state = play.get(index)
        if state.winner is None:
            break
        won = state.players[state.winner] == seed
        if state.forfeit and not won:
            lost.append(index)
        if _skips_reset(structure, index, state.winner):
            break
        spec = structure.matches[index]
        destination = spec.winner_to if won else spec.loser_to
        index = None if destination is None else destination.match
    return lost


def _forfeits_after(play: _Play, forfeits: list[int]) -> set[int]:
    """These forfeits and every forfeit in a match they fed, and so on; refused if one of
    those fed a match with a real result (the earliest such forfeit is named)."""
    structure, found, waiting = play.structure, set(), list(forfeits)
    heapq.heapify(waiting)
    while waiting:
        index = heapq.heappop(waiting)
        if index in found:
            continue
        found.add(index)
        state = play.get(index)
        if _skips_reset(structure, index, state.winner):
            continue  # the reset was skipped, never fed
        for fed in _destinations(structure.matches[index]):
            fed_state = play.get(fed)
            if fed_state.forfeit:
                heapq.heappush(waiting, fed)
            elif fed_state.decided:
                raise ForfeitsFedMatchPlayed(
                    gettext_noop(
                        "The forfeit of match %(match)s cannot be undone: match %(fed)s, "
                        "which it fed, already has a result."
                    ),
                    match=structure.matches[index].identifier,
                    fed=structure.matches[fed].identifier,
                )
    return found


def champion(structure: Structure, states: States) -> int | None:
    """The winner's seed once the tournament is complete, else None (reads one or two rows)."""
    final = states[structure.final]
    if final.winner is None:
        return None
    if structure.reset is None or final.winner == 0:
        return final.players[final.winner]
    reset = states[structure.reset]
    return None if reset.winner is None else reset.players[reset.winner]


def placements(structure: Structure, states: States) -> dict[int, int]:
    """{seed: placement} for every entrant out so far, and the champion once there is one.

    A loser is out where its match sends it nowhere (or in a grand final won by slot 0) and
    takes that match's `loser_placement`; a disqualified entrant is placed the same way.
    """
    result: dict[int, int] = {}
    for spec in structure.matches:
        if out := eliminated(structure, spec.index, states[spec.index]):
            result[out[0]] = out[1]
    winner = champion(structure, states)
    if winner is not None:
        result[winner] = 1
    return result


def eliminated(structure: Structure, match: int, state: MatchState) -> tuple[int, int] | None:
    """(seed, placement) of the entrant this state of `match` puts out, or None: a decided
    match whose loser it sends nowhere (or a grand final won by slot 0). Reads nothing else,
    so a caller can place entrants as the results come, from the states an operation changed.
    """
    if state.winner is None:
        return None
    spec = structure.matches[match]
    if spec.loser_to is None or _skips_reset(structure, match, state.winner):
        return state.players[1 - state.winner], spec.loser_placement
    return None


def _destinations(spec: MatchSpec) -> list[int]:
    """The matches a match's result places its players in."""
    return [d.match for d in (spec.winner_to, spec.loser_to) if d is not None]


def _skips_reset(structure: Structure, match: int, winner_slot: int | None) -> bool:
    """Whether this result is a grand final won by the winners' champion, which ends it all."""
    return match == structure.final and winner_slot == 0 and structure.reset is not None


class _Play:
    """One operation: reads go to `states` unless this operation already changed the match."""

    def __init__(self, structure: Structure, states: States, disqualified: Set[int]):
        self.structure = structure
        self.states = states
        self.disqualified = disqualified
        self.changes: Changes = {}

    def get(self, index: int) -> MatchState:
        state = self.changes.get(index)
        return self.states[index] if state is None else state

    def put(self, index: int, state: MatchState) -> None:
        self.changes[index] = state

    def result(self) -> Changes:
        # An undo that forfeits again can put a match back as it was: that is no change.
        return {i: state for i, state in self.changes.items() if state != self.states[i]}

    def ends_tournament(self, index: int, winner_slot: int | None) -> bool:
        return _skips_reset(self.structure, index, winner_slot)

    def decide(self, index: int, winner_slot: int, *, forfeit: bool) -> None:
        state = self.get(index)
        self.put(index, replace(state, winner=winner_slot, forfeit=forfeit))
        if self.ends_tournament(index, winner_slot):
            reset = self.structure.reset
            self.put(reset, replace(self.get(reset), skipped=True))
            return
        spec = self.structure.matches[index]
        if spec.winner_to is not None:
            self.place(spec.winner_to, state.players[winner_slot])
        if spec.loser_to is not None:
            self.place(spec.loser_to, state.players[1 - winner_slot])

    def clear(self, index: int) -> None:
        """Takes the result of `index` back: its players leave the matches it fed (or the
        reset it skipped is needed again). The caller checked those matches are unplayed."""
        state = self.get(index)
        self.put(index, replace(state, winner=None, forfeit=False))
        if self.ends_tournament(index, state.winner):
            reset = self.structure.reset
            self.put(reset, replace(self.get(reset), skipped=False))
            return
        spec = self.structure.matches[index]
        for destination in (spec.winner_to, spec.loser_to):
            if destination is not None:
                self.place(destination, None)

    def place(self, destination: Destination, seed: int | None) -> None:
        state = self.get(destination.match)
        players = list(state.players)
        players[destination.slot] = seed
        placed = replace(state, players=(players[0], players[1]))
        self.put(destination.match, placed)
        if seed is not None:
            self.forfeit_if_disqualified(destination.match, placed)

    def forfeit_if_disqualified(self, index: int, state: MatchState) -> None:
        if not state.ready:
            return
        a, b = state.players
        out_a, out_b = a in self.disqualified, b in self.disqualified
        if out_a and out_b:
            # Both out: the better seed goes on by forfeit, to forfeit its next match in turn.
            self.decide(index, 0 if a < b else 1, forfeit=True)
        elif out_a or out_b:
            self.decide(index, 1 if out_a else 0, forfeit=True)


class Bracket:
    """A whole bracket in memory: the structure, every match's state and the disqualified.

    Each operation costs O(1) in the bracket's size (a disqualification cascade, O(the
    entrant's remaining matches); a reinstatement, O(the entrant's matches and the forfeits
    after them), once its first match is found among the first rounds') and returns the
    states it changed, as the functions do.
    """

    def __init__(
        self,
        structure: Structure,
        states: Iterable[MatchState] | None = None,
        disqualified: Iterable[int] = (),
    ) -> None:
        self.structure = structure
        self._states = list(structure.initial_states() if states is None else states)
        if len(self._states) != len(structure.matches):
            raise ValueError(f"{len(structure.matches)} match states expected")
        self._disqualified = set(disqualified)
        self._current: dict[int, int] = {}
        self._ready: set[int] = set()
        self._index(dict(enumerate(self._states)))

    @classmethod
    def create(cls, format: BracketFormat | str, entrant_count: int) -> Bracket:
        """A new bracket with no result yet."""
        return cls(build(format, entrant_count))

    def state(self, match: int) -> MatchState:
        return self._states[match]

    def states(self) -> tuple[MatchState, ...]:
        """Every match's state, by index (a copy: O(matches))."""
        return tuple(self._states)

    @property
    def disqualified(self) -> Set[int]:
        """The disqualified seeds (a live view: not to be changed in place)."""
        return self._disqualified

    def report(self, match: int, *, winner_slot: int) -> Changes:
        changes = report(
            self.structure,
            self._states,
            match,
            winner_slot=winner_slot,
            disqualified=self._disqualified,
        )
        return self._apply(changes)

    def undo(self, match: int) -> Changes:
        changes = undo(self.structure, self._states, match, disqualified=self._disqualified)
        return self._apply(changes)

    def disqualify(self, seed: int) -> Changes:
        changes = disqualify(
            self.structure,
            self._states,
            seed,
            match=self._current.get(seed),
            disqualified=self._disqualified,
        )
        self._disqualified.add(seed)
        return self._apply(changes)

    def reinstate(self, seed: int) -> Changes:
        changes = reinstate(self.structure, self._states, seed, disqualified=self._disqualified)
        self._disqualified.discard(seed)
        return self._apply(changes)

    def current_match(self, seed: int) -> int | None:
        """The entrant's unfinished match, or None once it is out or has won."""
        return self._current.get(seed)

    def ready_matches(self) -> list[int]:
        """Matches with both players and no result, in play (identifier) order."""
        return sorted(self._ready)

    def champion(self) -> int | None:
        return champion(self.structure, self._states)

    def is_complete(self) -> bool:
        return self.champion() is not None

    def placements(self) -> dict[int, int]:
        return placements(self.structure, self._states)

    def _apply(self, changes: Changes) -> Changes:
        for index, state in changes.items():
            for seed in self._states[index].players:
                if seed is not None and self._current.get(seed) == index:
                    del self._current[seed]
            self._states[index] = state
        self._index(changes)
        return changes

    def _index(self, states: Changes) -> None:
        for index, state in states.items():
            if state.ready:
                self._ready.add(index)
            else:
                self._ready.discard(index)
            if state.winner is None and not state.skipped:
                for seed in state.players:
                    if seed is not None:
                        self._current[seed] = index
