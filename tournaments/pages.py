"""What a tournament's pages show: the bracket laid out as a bracket, the entrants, the
standings and the public JSON, each built from two queries (entrants, matches) and cached
by (slug, version, state, time zone; and the language, for the page), so a page view costs
the same queries at any size. The JSON is for tools: its words are never translated."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from fightrise import discord_api
from guildbot.models import ShardHeartbeat
from tournaments import bracket, outbox
from tournaments.models import Entrant, Match, Tournament

CACHE_SECONDS = 3600
SIDE_TITLES = {
    bracket.Side.WINNERS: _("Winners' bracket"),
    bracket.Side.LOSERS: _("Losers' bracket"),
    bracket.Side.GRAND_FINAL: _("Grand final"),
}
# The last columns of the winners' side, final first: of a double elimination, and of a
# single one (where they are the whole bracket's).
WINNERS_COLUMNS = (_("Winners' final"), _("Winners' semifinals"), _("Winners' quarterfinals"))
SINGLE_COLUMNS = (_("Final"), _("Semifinals"), _("Quarterfinals"))


def cache_key(tournament: Tournament, kind: str) -> str:
    """What a page shows changes with the version, with check-in opening by the clock, and
    with the server's time zone; the page's words with the language too."""
    parts = (tournament.slug, tournament.version, tournament.current_state(), tournament.time_zone)
    if kind == "page":
        parts += (translation.get_language(),)
    return f"tournament:{kind}:" + ":".join(map(str, parts))


@dataclass(frozen=True)
class StartTime:
    """When it starts, as the server's clock shows it."""

    local: datetime
    zone: str

    @classmethod
    def of(cls, tournament: Tournament, when: datetime | None = None) -> StartTime:
        when = when or tournament.starts_at
        return cls(when.astimezone(tournament.zone()), tournament.time_zone)

    @property
    def offset(self) -> str:
        minutes = int(self.local.utcoffset().total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def text(self) -> str:
        """ "Friday 4 July 2031, 19:30", as the active language writes it (fightrise.formats)."""
        return formats.date_format(self.local, "DATETIME_FORMAT")

    @property
    def short(self) -> str:
        """ "Fri 4 Jul 2031, 19:30" """
        return formats.date_format(self.local, "SHORT_DATETIME_FORMAT")

    @property
    def abbreviation(self) -> str:
        return self.local.tzname() or ""

    @property
    def where(self) -> str:
        """ "CEST (UTC+02:00), Europe/Paris": each part once. UTC and its aliases are "UTC";
        a zone whose abbreviation is only its offset ("-03") shows the offset alone."""
        abbreviation = self.abbreviation
        if abbreviation == "UTC":
            return "UTC"
        parts = {"abbreviation": abbreviation, "offset": self.offset, "zone": self.zone}
        if abbreviation and abbreviation[0] not in "+-":
            # Punctuated as the active language writes it (Japanese: full-width).
            return (
                pgettext(
                    "time zone: abbreviation, UTC offset, zone name",
                    "%(abbreviation)s (%(offset)s), %(zone)s",
                )
                % parts
            )
        return pgettext("time zone: UTC offset, zone name", "%(offset)s, %(zone)s") % parts

    @property
    def iso(self) -> str:
        return self.local.isoformat()


# The bracket


@dataclass(frozen=True)
class Line:
    """One player's line in a match box: an entrant, or where the player will come from."""

    name: str
    seed: int | None = None
    score: str = ""
    won: bool = False
    placeholder: bool = False


@dataclass(frozen=True)
class Box:
    """A match as the bracket draws it; `ins` are the connectors coming from the column to
    its left ("top", "bottom", "both" or "straight"), `out` one going right."""

    match: Match
    lines: tuple[Line, Line]
    note: str
    ins: str
    out: bool

    @property
    def css(self) -> str:
        classes = ["slot"]
        if self.ins:
            classes += ["fed", f"in-{self.ins}"]
        if self.out:
            classes.append("out")
        return " ".join(classes)


@dataclass(frozen=True)
class Column:
    title: str
    cells: tuple[Box | None, ...]  # one per position of the full bracket; None: a bye


@dataclass(frozen=True)
class SideView:
    side: str
    title: str
    columns: tuple[Column, ...]


def _positions(structure: bracket.Structure, side: bracket.Side, round: int) -> int:
    """How many rows a column of the full bracket has (byes included)."""
    if side is bracket.Side.WINNERS:
        return structure.size >> round
    if side is bracket.Side.LOSERS:
        return structure.size >> ((round + 1) // 2 + 1)
    return 1


def _column_title(structure: bracket.Structure, side: bracket.Side, round: int, last: int) -> str:
    if side is bracket.Side.GRAND_FINAL:
        return gettext("Grand final") if round == 1 else pgettext("grand final reset", "Reset")
    if side is bracket.Side.LOSERS:
        if round == last:
            return gettext("Losers' final")
        return gettext("Losers' round %(round)d") % {"round": round}
    names = SINGLE_COLUMNS if structure.reset is None else WINNERS_COLUMNS
    if last - round < len(names):
        return str(names[last - round])
    return gettext("Round %(round)d") % {"round": round}


def _source_text(structure: bracket.Structure, source: bracket.Source) -> str:
    """ "Winner of C" for a slot not yet filled ("" for a seed's: a bye is never shown)."""
    if source.kind is bracket.SourceKind.SEED:
        return ""
    fed = structure.matches[source.value].identifier
    if source.kind is bracket.SourceKind.WINNER:
        return gettext("Winner of %(match)s") % {"match": fed}
    return gettext("Loser of %(match)s") % {"match": fed}


def _lines(
    structure: bracket.Structure, spec: bracket.MatchSpec, match: Match, names: dict[int, Entrant]
) -> tuple[Line, Line]:
    lines = []
    for slot, (player_id, score) in enumerate(
        ((match.player_1_id, match.score_1), (match.player_2_id, match.score_2))
    ):
        entrant = names.get(player_id) if player_id else None
        if entrant is None:
            source = spec.sources[slot]
            lines.append(Line(_source_text(structure, source), placeholder=True))
            continue
        won = match.winner_id is not None and match.winner_id == player_id
        shown = (
            pgettext("disqualified", "DQ")
            if match.forfeit and not won
            else ("" if score is None else str(score))
        )
        lines.append(Line(entrant.name, entrant.seed, shown, won))
    return lines[0], lines[1]


def _note(match: Match) -> str:
    if match.skipped:
        return gettext("Not needed")
    if match.is_reset and match.winner_id is None:
        return gettext("If needed")
    if match.forfeit:
        return pgettext("a match lost by disqualification", "Forfeit")
    if match.state != Match.State.PENDING and match.state != Match.State.COMPLETE:
        return match.get_state_display()
    return ""


def bracket_sides(
    tournament: Tournament, entrants: list[Entrant], matches: list[Match]
) -> list[SideView]:
    """The started bracket as sides of columns of cells, byes left empty, connectors marked."""
    structure = tournament.structure()
    if structure is None:
        return []
    names = {e.pk: e for e in entrants}
    by_index = {m.index: m for m in matches}
    layout: dict[bracket.Side, dict[int, dict[int, Box]]] = {}
    for spec in structure.matches:
        match = by_index.get(spec.index)
        if match is None:
            continue
        ins = []
        for source in spec.sources:
            feeder = (
                structure.matches[source.value]
                if source.kind is bracket.SourceKind.WINNER
                else None
            )
            if feeder is None or feeder.side is not spec.side:
                continue
            if _positions(structure, spec.side, feeder.round) == _positions(
                structure, spec.side, spec.round
            ):
                ins.append("straight")
            else:
                ins.append("top" if feeder.position % 2 else "bottom")
        connect = "both" if {"top", "bottom"} <= set(ins) else (ins[0] if ins else "")
        going = spec.winner_to and structure.matches[spec.winner_to.match]
        out = bool(going) and going.side is spec.side
        box = Box(match, _lines(structure, spec, match, names), _note(match), connect, out)
        layout.setdefault(spec.side, {}).setdefault(spec.round, {})[spec.position] = box
    sides = []
    for side in bracket.Side:
        rounds = layout.get(side)
        if not rounds:
            continue
        last = max(rounds)
        columns = tuple(
            Column(
                _column_title(structure, side, round, last),
                tuple(
                    rounds[round].get(position)
                    for position in range(1, _positions(structure, side, round) + 1)
                ),
            )
            for round in sorted(rounds)
        )
        sides.append(SideView(side.value, SIDE_TITLES[side], columns))
    return sides


@dataclass(frozen=True)
class Standing:
    placement: int
    entrant: Entrant


def standings(entrants: list[Entrant]) -> list[Standing]:
    placed = [e for e in entrants if e.placement is not None]
    return [Standing(e.placement, e) for e in sorted(placed, key=lambda e: (e.placement, e.seed))]


def _rows(tournament: Tournament) -> tuple[list[Entrant], list[Match]]:
    entrants = list(tournament.entrants.order_by("seed", "id"))
    matches = list(tournament.matches.order_by("index")) if tournament.bracket_entrants else []
    return entrants, matches


@dataclass(frozen=True)
class PublicPage:
    """The public page's two cached parts, around what depends on who is looking."""

    head: SafeString
    body: SafeString
    entrant_count: int


def public_page(tournament: Tournament) -> PublicPage:
    """The public page but for who is looking, rendered once per version."""
    key = cache_key(tournament, "page")
    parts = cache.get(key)
    if parts is None:
        entrants, matches = _rows(tournament)
        context = {
            **_facts(tournament, entrants),
            "sides": bracket_sides(tournament, entrants, matches),
        }
        parts = (
            render_to_string("tournaments/_public_head.html", context),
            render_to_string("tournaments/_public_body.html", context),
            len(entrants),
        )
        cache.set(key, parts, CACHE_SECONDS)
    head, body, count = parts
    # Rendered by our own templates, which escape what they show.
    return PublicPage(mark_safe(head), mark_safe(body), count)  # noqa: S308


# The JSON


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def payload(tournament: Tournament, entrants: list[Entrant], matches: list[Match]) -> dict:
    """The public JSON (docs/architecture.md, "Tournaments"): ids and snowflakes as strings,
    byes never listed (they are not matches), nor a grand final reset once it is not needed
    (nobody plays it either)."""
    return {
        "slug": tournament.slug,
        "name": tournament.name,
        "game": tournament.game,
        "format": tournament.format,
        "state": tournament.current_state(),
        "best_of": tournament.best_of,
        "starts_at": StartTime.of(tournament).iso,
        "time_zone": tournament.time_zone,
        "guild_id": str(tournament.guild_id),
        "entrants": [
            {
                "id": str(e.pk),
                "name": e.name,
                "discord_id": _id(e.discord_id),
                "seed": e.seed,
                "checked_in": e.checked_in,
                "placement": e.placement,
            }
            for e in entrants
        ],
        "matches": [
            {
                "id": str(m.pk),
                "identifier": m.identifier,
                "side": m.side,
                "round": m.round,
                "players": [_id(m.player_1_id), _id(m.player_2_id)],
                "scores": [m.score_1, m.score_2],
                "winner": _id(m.winner_id),
                "state": m.state,
                "thread_id": _id(m.thread_id),
            }
            for m in matches
            if not m.skipped
        ],
    }


def json_body(tournament: Tournament) -> tuple[bytes, str]:
    """The JSON's bytes and their ETag, built once per version."""
    key = cache_key(tournament, "json")
    cached: Any = cache.get(key)
    if cached is None:
        body = json.dumps(
            payload(tournament, *_rows(tournament)), ensure_ascii=False, separators=(",", ":")
        ).encode()
        cached = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        cache.set(key, cached, CACHE_SECONDS)
    return cached


# The organiser's page


def where_in_bracket(match: Match) -> str:
    """ "Winners' round 2", "Grand final reset": where the match sits, in the active language."""
    if match.side == bracket.Side.GRAND_FINAL:
        return gettext("Grand final reset") if match.is_reset else gettext("Grand final")
    if match.side == bracket.Side.WINNERS:
        return gettext("Winners' round %(round)d") % {"round": match.round}
    return gettext("Losers' round %(round)d") % {"round": match.round}


@dataclass(frozen=True)
class MatchRow:
    """A match on the manage page, with which of its forms apply."""

    match: Match
    players: tuple[Entrant | None, Entrant | None]
    waiting_for: tuple[str, str]
    tournament: Tournament

    @property
    def wins(self) -> int:
        """Games that win the set: a score box goes no higher."""
        return (self.tournament.best_of + 1) // 2

    @cached_property
    def url(self) -> str:
        """Where the row's forms post: a result, a reset, a disqualification."""
        return reverse("tournaments:match", args=[self.tournament.slug, self.match.pk])

    @property
    def thread_url(self) -> str | None:
        """The match's thread in Discord, once the bot has called it there."""
        if self.match.thread_id is None:
            return None
        return discord_api.client_url(self.tournament.guild_id, self.match.thread_id)

    @property
    def where(self) -> str:
        return where_in_bracket(self.match)

    @property
    def report(self) -> tuple[str, str] | None:
        """Who reported the match from Discord, and the score, their games first, while it
        waits for the opponent or the organiser."""
        match = self.match
        if match.state not in (Match.State.AWAITING_CONFIRMATION, Match.State.DISPUTED):
            return None
        if match.reported_by_id is None or match.reported_score_1 is None:
            return None
        first = match.reported_by_id == match.player_1_id
        reporter = self.players[0 if first else 1]
        scores = (match.reported_score_1, match.reported_score_2)
        mine, theirs = scores if first else scores[::-1]
        return (reporter.name if reporter else "?"), f"{mine}-{theirs}"

    @property
    def reportable(self) -> bool:
        return self.match.state not in (Match.State.PENDING, Match.State.COMPLETE)

    @property
    def fixable(self) -> bool:
        return self.match.is_decided and not self.match.forfeit

    @property
    def reinstatable(self) -> list[Entrant]:
        """The disqualified loser of a forfeit, whom the organiser may reinstate (the
        manage page's `reinstate`: while the matches it fed are unplayed)."""
        match = self.match
        if not match.forfeit or not match.is_decided or not self.tournament.is_fixable:
            return []
        return [p for p in self.players if p and p.pk == match.loser_id and p.disqualified]

    @property
    def disqualifiable(self) -> list[Entrant]:
        if self.match.is_decided or self.match.skipped:
            return []
        return [p for p in self.players if p is not None and not p.disqualified]


def manage_context(tournament: Tournament) -> dict[str, Any]:
    entrants, matches = _rows(tournament)
    state = tournament.current_state()
    structure = tournament.structure()
    names = {e.pk: e for e in entrants}
    rows = {"now": [], "waiting": [], "done": []}
    for match in matches:
        spec = structure.matches[match.index]
        players = (names.get(match.player_1_id), names.get(match.player_2_id))
        waiting_for = tuple(
            "" if player is not None else _source_text(structure, source)
            for player, source in zip(players, spec.sources, strict=True)
        )
        row = MatchRow(match, players, waiting_for, tournament)
        if match.state == Match.State.COMPLETE:
            rows["done"].append(row)
        elif match.state == Match.State.PENDING:
            rows["waiting"].append(row)
        else:
            rows["now"].append(row)
    rows["done"].reverse()  # the latest results first: those are the ones still fixable
    # Who lost a match by forfeit (what reinstating them takes back, _reinstate.html).
    forfeited = {m.loser_id for m in matches if m.forfeit and m.is_decided}
    return {
        **_facts(tournament, entrants),
        "open": tournament.is_open,
        "to_drop": [e for e in entrants if not e.checked_in]
        if state == Tournament.State.CHECK_IN
        else [],
        "full": len(entrants) >= tournament.max_entrants,
        "rows": rows,
        "forfeited": forfeited,
        "match_count": len(matches),
        **posting_context(tournament),
    }


def _facts(tournament: Tournament, entrants: list[Entrant]) -> dict[str, Any]:
    """What the public page and the manage page both show of a tournament."""
    return {
        "tournament": tournament,
        "state": tournament.current_state(),
        "state_label": tournament.current_state_label(),
        "entrants": entrants,
        "checked_in": sum(e.checked_in for e in entrants),
        "standings": standings(entrants),
        "starts": StartTime.of(tournament),
        "check_in_opens": StartTime.of(tournament, tournament.check_in_opens_at)
        if tournament.check_in_opens_at
        else None,
    }


def posting_context(tournament: Tournament) -> dict[str, Any]:
    """What the manage page says about the tournament in Discord: the bot offline, a post
    Discord refused and what to fix (with Retry), channels not set, posts on their way."""
    config = tournament.config
    unset = [
        what
        for what, channel in (
            ("announcements", config and config.announcement_channel_id),
            ("matches", config and config.match_channel_id),
        )
        if not channel
    ]
    refused = outbox.problem(tournament)
    return {
        "bot_online": ShardHeartbeat.objects.online(tournament.guild_id),
        "posting_problem": outbox.explain(refused, tournament.guild.channels) if refused else "",
        "posts_waiting": outbox.waiting(tournament),
        "channels_unset": unset,
    }
