"""What the tests expect of any bracket, written out independently of the engine."""

from __future__ import annotations

from tournaments.bracket import BracketFormat

# The earliest losers' round in which two entrants who met in the winners' bracket can meet
# again, by bracket size (the engine's documented guarantee).
FIRST_LOSERS_REMATCH_ROUND = {4: 2, 8: 3, 16: 4, 32: 5, 64: 7, 128: 8, 256: 9, 512: 11, 1024: 13}


def standard_placements(format: BracketFormat, entrant_count: int) -> list[int]:
    """The usual placements, best first, cut to `entrant_count`: single 1, 2, 3, 3, 5 x4, ...;
    double 1, 2, 3, 4, 5, 5, 7, 7, 9 x4, 13 x4, 17 x8, ..."""
    if format is BracketFormat.SINGLE_ELIMINATION:
        places, place, ties = [1, 2], 3, 2
        while len(places) < entrant_count:
            places += [place] * ties
            place, ties = place + ties, ties * 2
    else:
        places, place, ties = [1, 2, 3, 4], 5, 2
        while len(places) < entrant_count:
            for _ in range(2):
                places += [place] * ties
                place += ties
            ties *= 2
    return places[:entrant_count]
