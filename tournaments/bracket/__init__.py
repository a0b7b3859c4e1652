"""The bracket engine: single and double elimination in plain Python, no Django or Discord.

`build(format, entrant_count)` gives a bracket's fixed `Structure`; the functions of `play`
(`report`, `undo`, `disqualify`) take it with the match states a caller loaded and return only
the states they changed; `Bracket` holds a whole bracket in memory.
"""

from tournaments.bracket.play import (
    AlreadyDecided,
    AlreadyDisqualified,
    Bracket,
    BracketError,
    Changes,
    FedMatchPlayed,
    ForfeitIsFinal,
    NotDecided,
    NotPlaying,
    NotReady,
    States,
    champion,
    disqualify,
    placements,
    report,
    undo,
)
from tournaments.bracket.structure import (
    MAX_ENTRANTS,
    MIN_ENTRANTS,
    BracketFormat,
    Destination,
    MatchSpec,
    MatchState,
    Side,
    Source,
    SourceKind,
    Structure,
    build,
    feed_shift,
    identifier,
    standard_order,
)

__all__ = [
    "MAX_ENTRANTS",
    "MIN_ENTRANTS",
    "AlreadyDecided",
    "AlreadyDisqualified",
    "Bracket",
    "BracketError",
    "BracketFormat",
    "Changes",
    "Destination",
    "FedMatchPlayed",
    "ForfeitIsFinal",
    "MatchSpec",
    "MatchState",
    "NotDecided",
    "NotPlaying",
    "NotReady",
    "Side",
    "Source",
    "SourceKind",
    "States",
    "Structure",
    "build",
    "champion",
    "disqualify",
    "feed_shift",
    "identifier",
    "placements",
    "report",
    "standard_order",
    "undo",
]
