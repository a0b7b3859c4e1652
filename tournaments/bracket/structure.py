"""A bracket's static shape: its matches, where each one's players come from and go to."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

MIN_ENTRANTS = 2
MAX_ENTRANTS = 1024


class BracketFormat(enum.StrEnum):
    SINGLE_ELIMINATION = "single_elimination"
    DOUBLE_ELIMINATION = "double_elimination"


class Side(enum.StrEnum):
    WINNERS = "winners"
    LOSERS = "losers"
    GRAND_FINAL = "grand_final"


class SourceKind(enum.StrEnum):
    SEED = "seed"
    WINNER = "winner"
    LOSER = "loser"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a slot's player comes from: seed `value`, or the winner or loser of match `value`."""

    kind: SourceKind
    value: int


@dataclass(frozen=True, slots=True)
class Destination:
    """A slot (0 or 1) of a match."""

    match: int
    slot: int


@dataclass(frozen=True, slots=True)
class MatchSpec:
    """One real match of the bracket (byes are never matches).

    `index` is the match's place in `Structure.matches` and the play order: identifiers are
    "A".."Z", "AA".. given in index order. `round` is the column (1-based, the full bracket's
    numbering, so a column thinned by byes keeps its number) and `position` the match's 1-based
    row in that column of the full bracket. The loser goes to `loser_to`, or is out with
    `loser_placement`. The grand final's destinations are the reset's slots and apply only when
    slot 1 (the losers' champion) wins; when slot 0 wins, its loser places 2nd.
    """

    index: int
    identifier: str
    side: Side
    round: int
    position: int
    sources: tuple[Source, Source]
    winner_to: Destination | None
    loser_to: Destination | None
    loser_placement: int | None
    is_reset: bool = False


@dataclass(frozen=True, slots=True)
class MatchState:
    """What has happened in a match: players are seeds (1..n) or None while unknown, `winner`
    is the winning slot, `forfeit` marks a result the engine gave for a disqualification, and
    `skipped` marks a grand final reset that is not needed."""

    players: tuple[int | None, int | None] = (None, None)
    winner: int | None = None
    forfeit: bool = False
    skipped: bool = False

    @property
    def decided(self) -> bool:
        return self.winner is not None

    @property
    def ready(self) -> bool:
        """Both players known, no result, and needed."""
        return (
            self.winner is None
            and not self.skipped
            and self.players[0] is not None
            and self.players[1] is not None
        )


@dataclass(frozen=True, slots=True)
class Structure:
    """A bracket's matches, built once by `build`; `final` is the single elimination final or
    the double elimination grand final, `reset` the grand final reset."""

    format: BracketFormat
    entrant_count: int
    size: int
    matches: tuple[MatchSpec, ...]
    final: int
    reset: int | None = None

    def initial_states(self) -> tuple[MatchState, ...]:
        """Every match's state before any result: the seeds in their first matches."""
        return tuple(
            MatchState(
                players=tuple(s.value if s.kind is SourceKind.SEED else None for s in m.sources)
            )
            for m in self.matches
        )


def standard_order(size: int) -> list[int]:
    """Seeds by bracket position for `size` slots (a power of two): round 1 pairs seed i with
    seed size+1-i, seeds 1 and 2 in opposite halves, 1-4 in separate quarters, and so on
    (brackets-manager's "inner_outer"): 8 slots give 1, 8, 4, 5, 2, 7, 3, 6."""
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [seed for top in order for seed in (top, mirror - top)]
    return order


def feed_shift(wb_round: int, width: int) -> int:
    """The XOR mask that feeds the losers of winners' round `wb_round` into the losers' bracket.

    The loser of winners' match p (0-based row of a column of 2**width matches) enters its
    losers' round at row p ^ mask (round 1's losers, in that order, pair up two by two), where
    mask is the (wb_round-1)th term of the van der Corput sequence in `width` bits: the bits of
    wb_round-1 read backwards as a binary fraction, 0, 1/2, 1/4, 3/4, 1/8... So round 1 feeds
    in natural order, round 2 half-shifted, round 3 a quarter-shifted, and so on.
    brackets-manager's five orderings are XOR masks too (natural 0, pair_flip 1, half_shift
    n/2, reverse_half_shift n/2-1, reverse n-1), picked from a table that stops at 128 slots.

    Guarantee, whatever the results: two entrants who met in the winners' bracket cannot meet
    again in the losers' bracket before its round R, by size: 4: 2, 8: 3, 16: 4, 32: 5, 64: 7,
    128: 8, 256: 9, 512: 11, 1024: 13 (of 2, 4, ... 18 rounds); and if their winners' losses
    came in consecutive rounds, not before the losers' semifinal (round 2*log2(size)-3). The
    grand final may be a rematch. No feed of XOR masks can promise a later R (pigeonhole on
    the masks' leading bits). The price of crossing halves so: seeds 1 and 2, who meet in the
    winners' bracket only in its final, can meet from losers' round 2 when they dropped from
    different winners' rounds (from the same round, not before the losers' semifinal).
    """
    mask, number = 0, wb_round - 1
    for bit in range(width):
        if number >> bit & 1:
            mask |= 1 << (width - 1 - bit)
    return mask


def identifier(index: int) -> str:
    """Bijective base 26: 0 -> "A", 25 -> "Z", 26 -> "AA", 27 -> "AB"."""
    letters = ""
    index += 1
    while index:
        index, letter = divmod(index - 1, 26)
        letters = chr(ord("A") + letter) + letters
    return letters


@functools.lru_cache(maxsize=16)
def build(format: BracketFormat | str, entrant_count: int) -> Structure:
    """The bracket for `entrant_count` (2..1024) entrants, seeded by `standard_order`.

    Seeds above the count are byes; a bye is never a match: a match missing a player vanishes
    and its one player (if any) goes straight on, recursively. Single elimination has n-1
    matches and no third-place match. Double elimination has 2n-1: n-1 in the winners'
    bracket, n-2 in the losers' bracket of 2*log2(size)-2 rounds (odd rounds: survivors play
    each other; round 2r-2 for r >= 2: survivors meet the losers of winners' round r), the
    grand final (winners' champion in slot 0) and its reset, played only when slot 1 wins.

    Identifiers follow the order matches can first be played: a match's wave is one more
    than the latest wave among the matches feeding it (seeds are wave 0), and matches sort by
    wave, then side (winners, losers, grand final), round and position; the losers' bracket
    is fed by `feed_shift`. Raises ValueError for an unknown format or a count outside 2..1024.
    The structure depends only on its arguments, so recent ones are cached.
    """
    try:
        bracket_format = BracketFormat(format)
    except ValueError:
        names = ", ".join(f'"{value}"' for value in BracketFormat)
        raise ValueError(f"unknown bracket format {format!r}: use {names}") from None
    if (
        isinstance(entrant_count, bool)
        or not isinstance(entrant_count, int)
        or not MIN_ENTRANTS <= entrant_count <= MAX_ENTRANTS
    ):
        raise ValueError(
            f"a bracket takes {MIN_ENTRANTS} to {MAX_ENTRANTS} entrants, not {entrant_count!r}"
        )
    return _Builder(bracket_format, entrant_count).structure()


@dataclass(slots=True)
class _Draft:
    side: Side
    round: int
    position: int
    sources: tuple[Source, Source]
    loser_placement: int | None
    is_reset: bool = False


_SIDE_ORDER = {Side.WINNERS: 0, Side.LOSERS: 1, Side.GRAND_FINAL: 2}


class _Builder:
    """Lays out the full bracket column by column, dropping byes as it goes."""

    def __init__(self, bracket_format: BracketFormat, entrant_count: int) -> None:
        self.format = bracket_format
        self.entrant_count = entrant_count
        self.rounds = (entrant_count - 1).bit_length()
        self.size = 1 << self.rounds
        self.drafts: list[_Draft] = []

    def add(
        self,
        side: Side,
        round: int,
        position: int,
        a: Source | None,
        b: Source | None,
        placement: int | None = None,
        *,
        reset: bool = False,
    ) -> tuple[Source | None, Source | None]:
        """A match of the full bracket from two outputs (None = nobody); returns its winner's
        and loser's outputs. A match missing a player is a bye: its player, if any, goes on."""
        if a is None or b is None:
            return (b if a is None else a), None
        index = len(self.drafts)
        self.drafts.append(_Draft(side, round, position, (a, b), placement, reset))
        return Source(SourceKind.WINNER, index), Source(SourceKind.LOSER, index)

    def pair_up(
        self, side: Side, round: int, outputs: list[Source | None], placement: int | None
    ) -> list[tuple[Source | None, Source | None]]:
        """A column where outputs 2p and 2p+1 meet in row p."""
        return [
            self.add(side, round, p + 1, outputs[2 * p], outputs[2 * p + 1], placement)
            for p in range(len(outputs) // 2)
        ]

    def structure(self) -> Structure:
        double = self.format is BracketFormat.DOUBLE_ELIMINATION
        outputs = [
            Source(SourceKind.SEED, seed) if seed <= self.entrant_count else None
            for seed in standard_order(self.size)
        ]
        dropped: list[list[Source | None]] = []
        for round in range(1, self.rounds + 1):
            # Single elimination: round r's losers tie for the place after the 2**(k-r) ahead.
            placement = None if double else (1 << (self.rounds - round)) + 1
            pairs = self.pair_up(Side.WINNERS, round, outputs, placement)
            outputs = [winner for winner, _ in pairs]
            dropped.append([loser for _, loser in pairs])
        final = len(self.drafts) - 1
        reset = None
        if double:
            losers_champion = self.losers_bracket(dropped)
            winner, loser = self.add(Side.GRAND_FINAL, 1, 1, outputs[0], losers_champion, 2)
            final = len(self.drafts) - 1
            self.add(Side.GRAND_FINAL, 2, 1, loser, winner, 2, reset=True)
            reset = final + 1
        return self.freeze(final, reset)

    def losers_bracket(self, dropped: list[list[Source | None]]) -> Source | None:
        """Adds the losers' bracket; returns the output of its final (the losers' champion)."""
        if self.rounds == 1:
            return dropped[0][0]
        counts = {q: self.size >> ((q + 1) // 2 + 1) for q in range(1, 2 * self.rounds - 1)}
        # Losers of round q place after the two grand finalists and all who went out later.
        placements = {q: 3 + sum(counts[later] for later in counts if later > q) for q in counts}
        mask = feed_shift(1, self.rounds - 1)
        first = [dropped[0][i ^ mask] for i in range(len(dropped[0]))]
        survivors = [winner for winner, _ in self.pair_up(Side.LOSERS, 1, first, placements[1])]
        for wb_round in range(2, self.rounds + 1):
            incoming, mask = dropped[wb_round - 1], feed_shift(wb_round, self.rounds - wb_round)
            round = 2 * wb_round - 2
            # The dropping loser takes slot 0, as in brackets-manager.
            survivors = [
                self.add(Side.LOSERS, round, p + 1, incoming[p ^ mask], s, placements[round])[0]
                for p, s in enumerate(survivors)
            ]
            if wb_round < self.rounds:
                pairs = self.pair_up(Side.LOSERS, round + 1, survivors, placements[round + 1])
                survivors = [winner for winner, _ in pairs]
        return survivors[0]

    def freeze(self, final: int, reset: int | None) -> Structure:
        drafts = self.drafts
        waves: list[int] = []
        for draft in drafts:
            fed_by = [waves[s.value] for s in draft.sources if s.kind is not SourceKind.SEED]
            waves.append(1 + max(fed_by, default=0))

        def play_order(i: int) -> tuple[int, int, int, int]:
            draft = drafts[i]
            return waves[i], _SIDE_ORDER[draft.side], draft.round, draft.position

        order = sorted(range(len(drafts)), key=play_order)
        new_index = [0] * len(drafts)
        for index, old in enumerate(order):
            new_index[old] = index
        winner_to: list[Destination | None] = [None] * len(drafts)
        loser_to: list[Destination | None] = [None] * len(drafts)
        for old, draft in enumerate(drafts):
            for slot, source in enumerate(draft.sources):
                if source.kind is SourceKind.WINNER:
                    winner_to[new_index[source.value]] = Destination(new_index[old], slot)
                elif source.kind is SourceKind.LOSER:
                    loser_to[new_index[source.value]] = Destination(new_index[old], slot)
        matches = []
        for index, old in enumerate(order):
            draft = drafts[old]
            a, b = (
                s if s.kind is SourceKind.SEED else Source(s.kind, new_index[s.value])
                for s in draft.sources
            )
            matches.append(
                MatchSpec(
                    index=index,
                    identifier=identifier(index),
                    side=draft.side,
                    round=draft.round,
                    position=draft.position,
                    sources=(a, b),
                    winner_to=winner_to[index],
                    loser_to=loser_to[index],
                    loser_placement=draft.loser_placement,
                    is_reset=draft.is_reset,
                )
            )
        return Structure(
            format=self.format,
            entrant_count=self.entrant_count,
            size=self.size,
            matches=tuple(matches),
            final=new_index[final],
            reset=None if reset is None else new_index[reset],
        )
