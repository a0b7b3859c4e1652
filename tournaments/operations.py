"""What organisers and players do to a tournament, each in one transaction.

The rules live here once, for the website's views and the bot's handlers alike:
callers authenticate and authorise (who is signed in, who may manage the server, who is a
member), these functions decide what the tournament allows and apply the bracket engine.
Every function takes the tournament's row lock first (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's IMMEDIATE transactions serialise writers anyway), so operations on one tournament
run one at a time and none reads a state another is changing. Each refusal is a `Refused`
whose text is fit to show the person who tried, in the language active when it is shown.

Check-in opens `check_in_minutes` before the start by itself: reads see it at once
(`Tournament.current_state`), and the next write to the tournament records it (`_locked`);
`open_due_check_ins` records it for every tournament due, for a periodic caller such as the
bot. A plain GET never writes.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guildbot.models import Guild, GuildConfig
from tournaments import bracket, outbox
from tournaments.models import ENTRANT_NAME_LENGTH, NAME_LENGTH, Entrant, Match, Tournament

logger = logging.getLogger(__name__)

State = Tournament.State
OPEN = (State.REGISTRATION, State.CHECK_IN)
SLUG_ALPHABET = string.ascii_lowercase + string.digits
SLUG_RANDOM_LENGTH = 6
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


class Refused(Exception):
    """A move the rules refuse, in words fit to show the person who tried it: `message`,
    marked for translation (gettext_lazy, or ngettext_lazy counting one of the params), and
    the `params` that fill it in. str() says it in the language active then: the site's, the
    person's; the bot's, the one it activates (translation.override). A datetime param reads
    as that language writes a date, or as `say(time=...)` writes it (the bot: a Discord
    timestamp, which each reader sees in their own zone). `field` names the form field it is
    about, if any."""

    def __init__(self, message, *, field: str | None = None, **params: object):
        super().__init__(message)
        self.message, self.params, self.field = message, params, field

    def __str__(self) -> str:
        return self.say()

    def say(self, *, time: Callable[[datetime], str] | None = None) -> str:
        if not self.params:
            return str(self.message)
        time = time or (lambda value: formats.date_format(value, "SHORT_DATETIME_FORMAT"))
        params = {
            name: time(value) if isinstance(value, datetime) else value
            for name, value in self.params.items()
        }
        return str(self.message % params)


# Creating


def local_to_utc(naive: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in `zone` as an aware UTC time; refuses a time the clocks skip
    (spring forward) or show twice (fall back), since either would be a guess."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise Refused(
                _(
                    "%(when)s does not exist in %(zone)s: the clocks go forward then. Pick "
                    "another time."
                ),
                field="starts_at",
                when=naive,
                zone=str(zone),
            )
        raise Refused(
            _(
                "%(when)s happens twice in %(zone)s: the clocks go back then. Pick a time "
                "outside that hour."
            ),
            field="starts_at",
            when=naive,
            zone=str(zone),
        )
    return first.astimezone(UTC)


# What clean_name says of each kind of name: empty, too long, control characters.
NAME_REFUSALS = {
    "entrant": (
        _("A name cannot be empty."),
        ngettext_lazy(
            "A name has at most %(length)d character.",
            "A name has at most %(length)d characters.",
            "length",
        ),
        _("A name cannot hold control characters."),
    ),
    "tournament": (
        _("The name cannot be empty."),
        ngettext_lazy(
            "The name has at most %(length)d character.",
            "The name has at most %(length)d characters.",
            "length",
        ),
        _("The name cannot hold control characters."),
    ),
    "game": (
        _("The game cannot be empty."),
        ngettext_lazy(
            "The game has at most %(length)d character.",
            "The game has at most %(length)d characters.",
            "length",
        ),
        _("The game cannot hold control characters."),
    ),
}


def clean_name(value: str, *, what: str = "entrant", length: int = ENTRANT_NAME_LENGTH) -> str:
    """A person's or a tournament's name as typed: trimmed, NFC, one to `length` characters,
    no control or invisible formatting characters. `what` is "entrant", "tournament" or
    "game", the name a refusal speaks of."""
    empty, too_long, control = NAME_REFUSALS[what]
    field = "game" if what == "game" else "name"
    name = " ".join(unicodedata.normalize("NFC", str(value)).split())
    if not name:
        raise Refused(empty, field=field)
    if len(name) > length:
        raise Refused(too_long, field=field, length=length)
    if CONTROL.search(name):
        raise Refused(control, field=field)
    return name


def _member_name(name: str) -> str:
    """A Discord display name as an entrant's: what Discord allows, we take (trimmed)."""
    cleaned = " ".join(CONTROL.sub("", unicodedata.normalize("NFC", str(name))).split())
    return cleaned[:ENTRANT_NAME_LENGTH] or "Player"


def _new_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "tournament"
    tail = "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_RANDOM_LENGTH))
    return f"{base}-{tail}"


def create(
    guild: Guild,
    *,
    created_by,
    name: str,
    game: str,
    format: str,
    best_of: int,
    starts_at: datetime,
    check_in_minutes: int,
    max_entrants: int,
) -> Tournament:
    """A new tournament in registration. `starts_at` is a naive wall-clock time in the
    server's time zone (its GuildConfig), stored as UTC. Raises Refused for a bad value."""
    if timezone.is_aware(starts_at):
        raise ValueError("starts_at is a wall-clock time in the server's zone, without tzinfo")
    config = GuildConfig.objects.for_guild(guild)
    tournament = Tournament(
        guild=guild,
        created_by=created_by,
        name=clean_name(name, what="tournament", length=NAME_LENGTH),
        game=clean_name(game, what="game", length=NAME_LENGTH),
        format=format,
        best_of=best_of,
        check_in_minutes=check_in_minutes,
        max_entrants=max_entrants,
    )
    tournament.guild.config = config
    tournament.starts_at = local_to_utc(starts_at, tournament.zone())
    _place_check_in(tournament)
    _validate(tournament)
    for _attempt in range(5):
        tournament.slug = _new_slug(tournament.name)
        try:
            with transaction.atomic():
                tournament.save()
                outbox.announce(tournament)
        except IntegrityError:
            if Tournament.objects.filter(slug=tournament.slug).exists():
                continue  # 36**6 tails; two alike is rare, five in a row is a broken RNG
            raise
        logger.info("Tournament %s created in server %s", tournament.slug, guild.guild_id)
        return tournament
    raise RuntimeError("could not find a free slug")


def _place_check_in(tournament: Tournament) -> None:
    """When check-in opens by itself: `check_in_minutes` before the start, or never."""
    minutes = tournament.check_in_minutes
    tournament.check_in_opens_at = (
        tournament.starts_at - timedelta(minutes=minutes) if minutes else None
    )


def _validate(tournament: Tournament) -> None:
    """The model's own checks (choices, ranges), the first failure as a Refused."""
    try:
        tournament.full_clean(exclude=["slug", "guild", "created_by"])
    except ValidationError as exc:
        (where, errors), *_ = exc.message_dict.items()
        raise Refused(errors[0], field=where) from None


# The tournament's row, and registration


def _locked(tournament: Tournament, now: datetime | None = None) -> Tournament:
    """The tournament's row, locked until the transaction ends (call inside one), with a
    check-in whose time has come recorded."""
    row = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if _check_in_came(row, now):
        _bump(row, "state")
    return row


def _check_in_came(row: Tournament, now: datetime | None = None) -> bool:
    """Registration turns into check-in once its time has come: the state (the caller
    saves it) and the posts. False when it has not come, or is recorded already."""
    if row.current_state(now) == row.state:
        return False
    row.state = row.current_state(now)
    outbox.check_in_opened(row)
    logger.info("Check-in opened for %s (its time came)", row.slug)
    return True


def _bump(tournament: Tournament, *fields: str) -> None:
    """Save these fields and a new version: every change to what a tournament shows."""
    tournament.version += 1
    tournament.save(update_fields=[*fields, "version", "updated_at"])


CLOSED = {
    State.UNDERWAY: _("%(name)s has started: entries are closed."),
    State.COMPLETE: _("%(name)s is over."),
    State.CANCELLED: _("%(name)s was cancelled."),
}


def _closed(tournament: Tournament) -> Refused:
    message = CLOSED.get(tournament.state, _("%(name)s is not taking entries."))
    return Refused(message, name=tournament.name)


def _open(tournament: Tournament) -> Tournament:
    row = _locked(tournament)
    if row.state not in OPEN:
        raise _closed(row)
    return row


def _room(tournament: Tournament) -> int:
    """The next seed, once sure the tournament has room for one more entrant."""
    counts = tournament.entrants.aggregate(count=Count("id"), top=Max("seed"))
    if counts["count"] >= tournament.max_entrants:
        raise Refused(
            _("%(name)s is full (%(entrants)s of %(most)s)."),
            name=tournament.name,
            entrants=counts["count"],
            most=tournament.max_entrants,
        )
    return (counts["top"] or 0) + 1


def _entrants_changed(row: Tournament) -> None:
    """Who is in changed: a new version, and the announcement's count edited (coalesced)."""
    _bump(row)
    outbox.entrants_changed(row)


def _renumber(entrants: Sequence[Entrant]) -> None:
    """Seeds 1..n in this order. Changed rows lose their seed first: the seeds are unique
    and PostgreSQL checks that row by row."""
    moved = [e for seed, e in enumerate(entrants, 1) if e.seed != seed]
    for seed, entrant in enumerate(entrants, 1):
        entrant.seed = seed
    if moved:
        Entrant.objects.filter(pk__in=[e.pk for e in moved]).update(seed=None)
        Entrant.objects.bulk_update(moved, ["seed"], batch_size=500)


def _seeded(tournament: Tournament) -> list[Entrant]:
    return list(tournament.entrants.order_by("seed", "id"))


@transaction.atomic
def join(tournament: Tournament, *, discord_id: int, name: str, user=None) -> Entrant:
    """A server member enters (the caller has checked they are one): in registration or
    check-in (which also checks them in), once, while there is room."""
    row = _open(tournament)
    if row.entrants.filter(discord_id=discord_id).exists():
        raise Refused(_("You are already in %(name)s."), name=row.name)
    entrant = Entrant.objects.create(
        tournament=row,
        name=_member_name(name),
        discord_id=discord_id,
        user=user,
        seed=_room(row),
        checked_in=row.state == State.CHECK_IN,
    )
    _entrants_changed(row)
    return entrant


@transaction.atomic
def leave(tournament: Tournament, *, discord_id: int) -> Entrant:
    """A member withdraws before the start; the seeds below close up."""
    row = _open(tournament)
    entrant = row.entrants.filter(discord_id=discord_id).first()
    if entrant is None:
        raise Refused(_("You are not in %(name)s."), name=row.name)
    return _remove(row, entrant)


@transaction.atomic
def check_in(tournament: Tournament, *, discord_id: int) -> Entrant:
    """An entrant says they are here, while check-in is open."""
    row = _locked(tournament)
    if row.state != State.CHECK_IN:
        if row.state == State.REGISTRATION:
            opens = row.local_check_in_opens_at()
            if opens is None:
                raise Refused(_("Check-in for %(name)s is not open yet."), name=row.name)
            raise Refused(
                _("Check-in for %(name)s is not open yet. It opens on %(when)s."),
                name=row.name,
                when=opens,
            )
        raise _closed(row)
    entrant = row.entrants.filter(discord_id=discord_id).first()
    if entrant is None:
        raise Refused(_("You are not in %(name)s: join it first."), name=row.name)
    if entrant.checked_in:
        raise Refused(_("You are already checked in for %(name)s."), name=row.name)
    entrant.checked_in = True
    entrant.save(update_fields=["checked_in"])
    _entrants_changed(row)
    return entrant


@transaction.atomic
def add_walk_in(tournament: Tournament, *, name: str) -> Entrant:
    """An entrant without Discord, by name (the organiser answers for them: checked in)."""
    row = _open(tournament)
    name = clean_name(name)
    if any(
        taken.casefold() == name.casefold() for taken in row.entrants.values_list("name", flat=True)
    ):
        raise Refused(_("There is already an entrant named %(name)s."), field="name", name=name)
    entrant = Entrant.objects.create(tournament=row, name=name, seed=_room(row), checked_in=True)
    _entrants_changed(row)
    return entrant


@transaction.atomic
def remove_entrant(tournament: Tournament, *, entrant_id: int) -> Entrant:
    """The organiser takes an entrant out before the start (after it, disqualify)."""
    row = _locked(tournament)
    if row.state not in OPEN:
        if row.state == State.UNDERWAY:
            raise Refused(_("The tournament has started: disqualify the entrant from their match."))
        raise _closed(row)
    entrant = row.entrants.filter(pk=entrant_id).first()
    if entrant is None:
        raise Refused(_("That entrant is not in this tournament (any more)."), field="entrant")
    return _remove(row, entrant)


def _remove(row: Tournament, entrant: Entrant) -> Entrant:
    entrant.delete()
    _renumber(_seeded(row))
    _entrants_changed(row)
    return entrant


@transaction.atomic
def reorder(tournament: Tournament, *, order: Sequence[int]) -> list[Entrant]:
    """New seeds: `order` holds every entrant's id once, seed 1 first."""
    row = _open(tournament)
    entrants = {e.pk: e for e in _seeded(row)}
    if len(order) != len(set(order)):
        raise Refused(_("The order names an entrant twice."), field="order")
    if set(order) != set(entrants):
        raise Refused(
            _(
                "The order must hold every entrant exactly once; the list may have changed, "
                "so look again."
            ),
            field="order",
        )
    seeded = [entrants[pk] for pk in order]
    _renumber(seeded)
    _bump(row)
    return seeded


def order_from_boxes(entrants: Iterable[Entrant], wanted: dict[int, int]) -> list[int]:
    """Entrant ids in the order a seed box per entrant asks for: by the number typed, and
    where two share a number, the one whose number changed first (typing 1 for seed 5 puts
    them first and moves the others down), then by the old seed."""
    return [
        e.pk
        for e in sorted(
            entrants,
            key=lambda e: (wanted.get(e.pk, e.seed), wanted.get(e.pk, e.seed) == e.seed, e.seed),
        )
    ]


@transaction.atomic
def open_check_in(tournament: Tournament) -> Tournament:
    """The organiser opens check-in now, whatever time it is."""
    row = _locked(tournament)
    if row.state != State.REGISTRATION:
        if row.state == State.CHECK_IN:
            raise Refused(_("Check-in is already open."))
        raise _closed(row)
    row.state = State.CHECK_IN
    _bump(row, "state")
    outbox.check_in_opened(row)
    return row


def open_due_check_ins(now: datetime | None = None) -> list[Tournament]:
    """Record check-in as open for every tournament whose time has come (for a periodic
    caller: the bot posts the "Check in" button then). Returns those it opened."""
    opened = []
    for tournament in Tournament.objects.due_for_check_in(now).only("pk", "version"):
        with transaction.atomic():
            row = _locked(tournament, now)
            if row.version != tournament.version:
                opened.append(row)
    return opened


@transaction.atomic
def cancel(tournament: Tournament) -> Tournament:
    row = _locked(tournament)
    if row.state == State.COMPLETE:
        raise Refused(
            _("%(name)s is complete; a finished tournament cannot be cancelled."), name=row.name
        )
    if row.state == State.CANCELLED:
        raise Refused(_("%(name)s is already cancelled."), name=row.name)
    row.state = State.CANCELLED
    _bump(row, "state")
    outbox.cancelled(row)
    return row


# Editing

NOT_EDITABLE = {
    State.UNDERWAY: _("%(name)s has started: its details can no longer be changed."),
    State.COMPLETE: _("%(name)s is over: its details can no longer be changed."),
    State.CANCELLED: _("%(name)s was cancelled: its details can no longer be changed."),
}
BELOW_ENTRANTS = ngettext_lazy(
    "%(name)s already has %(entrants)d entrant: remove some before setting the most below that.",
    "%(name)s already has %(entrants)d entrants: remove some before setting the most below that.",
    "entrants",
)
CHECK_IN_STAYS_OPEN = _(
    "Check-in for %(name)s is open: it stays open until the start, and its minutes can no "
    "longer change."
)


@dataclass(frozen=True)
class Edited:
    tournament: Tournament
    changed: tuple[str, ...]  # the fields that changed; () when nothing did (nothing written)
    opened_check_in: bool = False  # the edit brought check-in's time, so it opened at once


def not_editable(tournament: Tournament) -> Refused | None:
    """Why this tournament's details can no longer change, or None while they can: until
    the start (no bracket exists yet, so even the format may change)."""
    state = tournament.current_state()
    if state in OPEN:
        return None
    return Refused(NOT_EDITABLE[state], name=tournament.name)


@transaction.atomic
def edit(
    tournament: Tournament,
    *,
    name: str | None = None,
    game: str | None = None,
    format: str | None = None,
    best_of: int | None = None,
    starts_at: datetime | None = None,
    check_in_minutes: int | None = None,
    max_entrants: int | None = None,
) -> Edited:
    """The organiser changes the create form's fields before the start (None keeps one).
    `starts_at` is a wall-clock time in the server's zone, as for create; the one the
    tournament has now keeps its stored start as it is (even once passed). Check-in moves
    with the start and its minutes: when the new time has come it opens now, and once open
    it stays open until the start (entrants may have checked in, and Discord shows the
    button), so its minutes can no longer change. The cap cannot go below the entrants in.
    Nothing changed: nothing written."""
    row = _locked(tournament)
    refused = not_editable(row)
    if refused is not None:
        raise refused
    wanted: dict[str, object] = {
        "name": name if name is None else clean_name(name, what="tournament", length=NAME_LENGTH),
        "game": game if game is None else clean_name(game, what="game", length=NAME_LENGTH),
        "format": format,
        "best_of": best_of,
        "check_in_minutes": check_in_minutes,
        "max_entrants": max_entrants,
    }
    if starts_at is not None:
        if timezone.is_aware(starts_at):
            raise ValueError("starts_at is a wall-clock time in the server's zone, without tzinfo")
        if starts_at != row.local_starts_at().replace(tzinfo=None):
            wanted["starts_at"] = local_to_utc(starts_at, row.zone())
    changed = tuple(f for f, v in wanted.items() if v is not None and getattr(row, f) != v)
    if not changed:
        return Edited(row, ())
    if "check_in_minutes" in changed and row.state == State.CHECK_IN:
        raise Refused(CHECK_IN_STAYS_OPEN, field="check_in_minutes", name=row.name)
    if "max_entrants" in changed:
        entrants = row.entrants.count()
        if max_entrants < entrants:
            raise Refused(BELOW_ENTRANTS, field="max_entrants", name=row.name, entrants=entrants)
    was = row.starts_at
    for field_name in changed:
        setattr(row, field_name, wanted[field_name])
    _validate(row)
    saved = list(changed)
    if {"starts_at", "check_in_minutes"} & set(changed):
        _place_check_in(row)
        saved.append("check_in_opens_at")
    opened = _check_in_came(row)
    if opened:
        saved.append("state")
    _bump(row, *saved)
    outbox.details_changed(row)
    if "starts_at" in changed:
        outbox.start_moved(row, was=was)
    logger.info("Tournament %s edited: %s", row.slug, ", ".join(changed))
    return Edited(row, changed, opened_check_in=opened)


TOO_FEW = ngettext_lazy(
    "A tournament needs at least %(least)d entrant to start; %(name)s has %(entrants)d.",
    "A tournament needs at least %(least)d entrants to start; %(name)s has %(entrants)d.",
    "least",
)
TOO_FEW_CHECKED_IN = ngettext_lazy(
    "A tournament needs at least %(least)d checked-in entrant to start; %(name)s has %(entrants)d.",
    "A tournament needs at least %(least)d checked-in entrants to start; %(name)s has "
    "%(entrants)d.",
    "least",
)


@dataclass(frozen=True)
class Started:
    tournament: Tournament
    entrants: list[Entrant]
    dropped: list[Entrant]


@transaction.atomic
def start(tournament: Tournament) -> Started:
    """Builds the bracket: drops who has not checked in (when check-in is open), seeds the
    rest 1..n, writes one row per match with the seeds in their first matches."""
    row = _open(tournament)
    entrants, dropped = _seeded(row), []
    if row.state == State.CHECK_IN:
        dropped = [e for e in entrants if not e.checked_in]
        entrants = [e for e in entrants if e.checked_in]
    if len(entrants) < bracket.MIN_ENTRANTS:
        raise Refused(
            TOO_FEW_CHECKED_IN if row.state == State.CHECK_IN else TOO_FEW,
            least=bracket.MIN_ENTRANTS,
            name=row.name,
            entrants=len(entrants),
        )
    if dropped:
        Entrant.objects.filter(pk__in=[e.pk for e in dropped]).delete()
    _renumber(entrants)
    structure = bracket.build(row.format, len(entrants))
    by_seed = {e.seed: e for e in entrants}
    rows = []
    for spec, state in zip(structure.matches, structure.initial_states(), strict=True):
        rows.append(
            Match(
                tournament=row,
                index=spec.index,
                identifier=spec.identifier,
                side=spec.side.value,
                round=spec.round,
                position=spec.position,
                winner_to=spec.winner_to.match if spec.winner_to else None,
                winner_to_slot=spec.winner_to.slot if spec.winner_to else None,
                loser_to=spec.loser_to.match if spec.loser_to else None,
                loser_to_slot=spec.loser_to.slot if spec.loser_to else None,
                is_reset=spec.is_reset,
                player_1=by_seed.get(state.players[0]),
                player_2=by_seed.get(state.players[1]),
                state=_row_state(state, Match.State.PENDING),
            )
        )
    Match.objects.bulk_create(rows, batch_size=500)
    row.state, row.bracket_entrants = State.UNDERWAY, len(entrants)
    _bump(row, "state", "bracket_entrants")
    outbox.started(row)
    logger.info("Tournament %s started with %d entrants", row.slug, len(entrants))
    return Started(row, entrants, dropped)


# Playing: the engine over the match rows


def _row_state(state: bracket.MatchState, current: str) -> str:
    """A match row's state for the engine's state; a ready match keeps where Discord's
    calling and reporting in Discord have taken it."""
    if state.decided or state.skipped:
        return Match.State.COMPLETE
    if state.ready:
        if current in (
            Match.State.CALLED,
            Match.State.AWAITING_CONFIRMATION,
            Match.State.DISPUTED,
        ):
            return current
        return Match.State.READY
    return Match.State.PENDING


MATCH_FIELDS = [
    "player_1",
    "player_2",
    "winner",
    "score_1",
    "score_2",
    "forfeit",
    "skipped",
    "reported_by",
    "reported_score_1",
    "reported_score_2",
]


@dataclass
class _Board:
    """The engine's `states` mapping over one tournament's match rows: only the rows an
    operation touches, loaded and locked as the engine asks for them, changed in memory,
    then written back in one UPDATE. Entrants are known by seed from the rows' players."""

    tournament: Tournament
    structure: bracket.Structure
    rows: dict[int, Match] = field(default_factory=dict)
    by_seed: dict[int, Entrant] = field(default_factory=dict)
    changed_rows: set[int] = field(default_factory=set)
    changed_entrants: dict[int, Entrant] = field(default_factory=dict)
    final_seen: bool = False

    def _keep(self, rows: Iterable[Match]) -> None:
        for row in rows:
            self.rows[row.index] = row
            for player in (row.player_1, row.player_2):
                if player is not None:
                    self.by_seed[player.seed] = player

    def _query(self, matches=None):
        """These matches (the tournament's by default), with their players, locked."""
        if matches is None:
            matches = Match.objects.filter(tournament=self.tournament)
        return matches.select_related("player_1", "player_2").select_for_update(of=("self",))

    def load_around(self, match_id: int) -> Match:
        """The match and the matches it feeds, in one query; DoesNotExist when the match is
        not this tournament's. One `index IN (...)` over the three indexes, not an OR of
        conditions, so the database looks them up instead of reading every match."""
        this = Match.objects.filter(pk=match_id, tournament=self.tournament).order_by()
        around = this.values("index").union(this.values("winner_to"), this.values("loser_to"))
        self._keep(self._query().filter(index__in=around))
        for row in self.rows.values():
            if row.pk == match_id:
                return row
        raise Match.DoesNotExist(f"no match {match_id} in {self.tournament.slug}")

    def load_matches_of(self, entrant: Entrant) -> None:
        """Every match the entrant has played or waits in (by the players' own indexes: an
        entrant is in one tournament only), then the matches those feed (by index): all
        that a reinstatement reads unless forfeits follow them. Two queries, each by a key."""
        mine = list(self._query(Match.objects.filter(Q(player_1=entrant) | Q(player_2=entrant))))
        self._keep(mine)
        fed = {i for row in mine for i in (row.winner_to, row.loser_to) if i is not None}
        if fed - set(self.rows):
            self._keep(self._query().filter(index__in=fed - set(self.rows)))

    def __getitem__(self, index: int) -> bracket.MatchState:
        row = self.rows.get(index)
        if row is None:
            # A forfeit cascading past the loaded rows: fetch that match and where it leads.
            spec = self.structure.matches[index]
            wanted = {index} | {d.match for d in (spec.winner_to, spec.loser_to) if d}
            self._keep(self._query().filter(index__in=wanted - set(self.rows)))
            row = self.rows[index]
        players = tuple(None if p is None else p.seed for p in (row.player_1, row.player_2))
        return bracket.MatchState(
            players=players, winner=row.winner_slot, forfeit=row.forfeit, skipped=row.skipped
        )

    def disqualified(self) -> frozenset[int]:
        return frozenset(
            self.tournament.entrants.filter(disqualified=True).values_list("seed", flat=True)
        )

    def entrant(self, seed: int | None) -> Entrant | None:
        if seed is None:
            return None
        if seed not in self.by_seed:
            self.by_seed[seed] = self.tournament.entrants.get(seed=seed)
        return self.by_seed[seed]

    def place(self, seed: int, placement: int | None) -> None:
        entrant = self.entrant(seed)
        entrant.placement = placement
        self.changed_entrants[entrant.pk] = entrant

    def champion(self) -> int | None:
        return bracket.champion(self.structure, self)

    def apply(self, changes: bracket.Changes) -> None:
        """Put the engine's changes into the rows (in memory), with the placements they
        make or take back."""
        before = {index: self[index] for index in changes}
        if not self.final_seen and {self.structure.final, self.structure.reset} & set(changes):
            # The champion may change: whoever it was, _finish places the one it is now.
            self.final_seen = True
            if (was := self.champion()) is not None:
                self.place(was, None)
        for index, old in before.items():
            if out := bracket.eliminated(self.structure, index, old):
                self.place(out[0], None)
        for index, state in changes.items():
            row = self.rows[index]
            row.player_1, row.player_2 = (self.entrant(seed) for seed in state.players)
            winner = None if state.winner is None else state.players[state.winner]
            row.winner = self.entrant(winner)
            row.forfeit, row.skipped = state.forfeit, state.skipped
            if state.winner is None or state.forfeit or state.players != before[index].players:
                row.score_1 = row.score_2 = None
            if state.players != before[index].players or (
                state.winner is None and before[index].winner is not None
            ):
                # Someone else plays it now, or it is open again: the last report is void.
                row.reported_by = None
                row.reported_score_1 = row.reported_score_2 = None
            row.state = _row_state(state, row.state)
            self.changed_rows.add(index)
        for index, state in changes.items():
            if out := bracket.eliminated(self.structure, index, state):
                self.place(*out)

    def save(self) -> list[Match]:
        rows = [self.rows[index] for index in sorted(self.changed_rows)]
        if rows:
            Match.objects.bulk_update(rows, [*MATCH_FIELDS, "state", "updated_at"])
        if self.changed_entrants:
            Entrant.objects.bulk_update(
                list(self.changed_entrants.values()), ["placement", "disqualified"]
            )
        return rows


@dataclass(frozen=True)
class Played:
    """What a result, a disqualification, a reset or a reinstatement did: the match (None
    for a reinstatement, which is no one match's), every match row it changed (in play
    order), and whether the tournament is now complete."""

    match: Match | None
    changed: list[Match]
    complete: bool
    champion: Entrant | None = None

    @property
    def now_ready(self) -> list[Match]:
        """Matches this made ready to play (the bot calls them in Discord)."""
        return [m for m in self.changed if m.state == Match.State.READY and m != self.match]


def _play(tournament: Tournament, match_id: int, *, finished_too: bool):
    """The locked tournament, its board, and the match (Match.DoesNotExist if not there)."""
    row = _in_play(tournament, finished_too=finished_too)
    board = _Board(row, row.structure())
    return row, board, board.load_around(match_id)


def _in_play(tournament: Tournament, *, finished_too: bool) -> Tournament:
    """The locked tournament, refused unless underway (or, `finished_too`, complete)."""
    row = _locked(tournament)
    allowed = (State.UNDERWAY, State.COMPLETE) if finished_too else (State.UNDERWAY,)
    if row.state not in allowed:
        if row.state in OPEN:
            raise Refused(_("%(name)s has not started yet."), name=row.name)
        if row.state == State.COMPLETE:
            raise Refused(
                _("%(name)s is over: only its last results can be fixed or reset."),
                name=row.name,
            )
        raise _closed(row)
    return row


def _engine(call, *args, **kwargs) -> bracket.Changes:
    """Call the engine; its refusal (English, marked with the engine's gettext_noop) becomes a
    Refused, translated from the catalogues like the others."""
    try:
        return call(*args, **kwargs)
    except bracket.BracketError as exc:
        raise Refused(_(exc.message), **exc.params) from exc


def _finish(row: Tournament, board: _Board, match: Match | None) -> Played:
    """Write the board, complete the tournament (or take completion back), bump."""
    structure = board.structure
    champion = None
    was_complete = row.state == State.COMPLETE
    if {structure.final, structure.reset} & board.changed_rows:
        seed = board.champion()
        champion = board.entrant(seed)
        if seed is not None:
            board.place(seed, 1)
        if row.state == State.UNDERWAY and seed is not None:
            row.state = State.COMPLETE
        elif row.state == State.COMPLETE and seed is None:
            row.state = State.UNDERWAY
    changed = board.save()
    _bump(row, "state")
    outbox.played(row, changed, complete=row.state == State.COMPLETE, was_complete=was_complete)
    if row.state == State.COMPLETE and champion:
        logger.info("Tournament %s complete: %s won", row.slug, champion.name)
    return Played(match, changed, row.state == State.COMPLETE, champion)


def winner_slot_for(best_of: int, score_1: int, score_2: int) -> int:
    """Which slot won a set that ended `score_1`-`score_2` in a best of `best_of`: the winner
    has (best_of+1)/2 games, the loser fewer. Raises Refused otherwise."""
    wins = (best_of + 1) // 2
    for score in (score_1, score_2):
        if isinstance(score, bool) or not isinstance(score, int) or score < 0:
            raise Refused(_("Scores are whole numbers of games, 0 or more."), field="score")
    if score_1 == wins and score_2 < wins:
        return 0
    if score_2 == wins and score_1 < wins:
        return 1
    raise Refused(
        ngettext_lazy(
            "%(score_1)s-%(score_2)s cannot end a best of %(best_of)s: the winner takes "
            "%(wins)d game and the loser fewer.",
            "%(score_1)s-%(score_2)s cannot end a best of %(best_of)s: the winner takes "
            "%(wins)d games and the loser fewer.",
            "wins",
        ),
        field="score",
        score_1=score_1,
        score_2=score_2,
        best_of=best_of,
        wins=wins,
    )


@transaction.atomic
def set_result(
    tournament: Tournament, match_id: int, *, score_1: int, score_2: int, fix: bool = False
) -> Played:
    """Records a result: `score_1` and `score_2` are games won by player_1 and player_2.

    A match with a result is refused unless `fix`: then the result is replaced (the
    scores alone when the winner stays; else an undo and a new result, which the engine
    allows while the matches it fed are unplayed). So two organisers entering the same
    match at once leave one result, and the second is told.
    """
    row, board, match = _play(tournament, match_id, finished_too=fix)
    return _result(row, board, match, score_1=score_1, score_2=score_2, fix=fix)


def _result(
    row: Tournament, board: _Board, match: Match, *, score_1: int, score_2: int, fix: bool = False
) -> Played:
    """set_result on a tournament already locked, with its match on the board: for the
    organiser's result and for one standing from Discord's reports alike."""
    slot = winner_slot_for(row.best_of, score_1, score_2)
    disqualified = board.disqualified()
    if match.is_decided:
        if not fix:
            if match.score_1 is None:
                raise Refused(
                    _("Match %(match)s already has a result; fix it to change it."),
                    match=match.identifier,
                )
            raise Refused(
                _("Match %(match)s already has a result (%(scores)s); fix it to change it."),
                match=match.identifier,
                scores=f"{match.score_1}-{match.score_2}",
            )
        if match.forfeit:
            raise Refused(
                _("Match %(match)s was forfeited by a disqualified entrant; it stands."),
                match=match.identifier,
            )
        if slot == match.winner_slot:
            match.score_1, match.score_2 = score_1, score_2
            board.changed_rows.add(match.index)
            return _finish(row, board, match)
        board.apply(
            _engine(bracket.undo, board.structure, board, match.index, disqualified=disqualified)
        )
    board.apply(
        _engine(
            bracket.report,
            board.structure,
            board,
            match.index,
            winner_slot=slot,
            disqualified=disqualified,
        )
    )
    match.score_1, match.score_2 = score_1, score_2
    return _finish(row, board, match)


@transaction.atomic
def disqualify(tournament: Tournament, match_id: int, *, entrant_id: int) -> Played:
    """Disqualifies a player of this unfinished match: a loss by forfeit now (or as soon as
    the opponent is known), and so for their later matches."""
    row, board, match = _play(tournament, match_id, finished_too=False)
    entrant = next((p for p in (match.player_1, match.player_2) if p and p.pk == entrant_id), None)
    if entrant is None:
        raise Refused(
            _("That entrant is not playing match %(match)s."), field="dq", match=match.identifier
        )
    if entrant.disqualified:
        raise Refused(_("%(name)s is already disqualified."), field="dq", name=entrant.name)
    if match.is_decided or match.skipped:
        raise Refused(
            _("Match %(match)s is over: disqualify %(name)s from their next match."),
            field="dq",
            match=match.identifier,
            name=entrant.name,
        )
    changes = _engine(
        bracket.disqualify,
        board.structure,
        board,
        entrant.seed,
        match=match.index,
        disqualified=board.disqualified(),
    )
    entrant.disqualified = True
    board.changed_entrants[entrant.pk] = entrant
    board.apply(changes)
    return _finish(row, board, match)


@transaction.atomic
def reinstate(tournament: Tournament, entrant_id: int) -> Played:
    """Takes a disqualification back: the forfeits it caused are undone (their matches to
    play again, or waiting for their players), while the matches they fed are unplayed; in
    a complete tournament, so only its last forfeits. Discord is told as for a reset."""
    row = _in_play(tournament, finished_too=True)
    entrant = row.entrants.filter(pk=entrant_id).first()
    if entrant is None:
        raise Refused(_("That entrant is not in this tournament (any more)."), field="entrant")
    if not entrant.disqualified:
        raise Refused(_("%(name)s is not disqualified."), field="entrant", name=entrant.name)
    board = _Board(row, row.structure())
    board.load_matches_of(entrant)
    changes = _engine(
        bracket.reinstate,
        board.structure,
        board,
        entrant.seed,
        disqualified=board.disqualified(),
    )
    entrant = board.entrant(entrant.seed)
    entrant.disqualified = False
    board.changed_entrants[entrant.pk] = entrant
    board.apply(changes)
    return _finish(row, board, None)


@transaction.atomic
def reset(tournament: Tournament, match_id: int) -> Played:
    """Takes a result back while the matches it fed are unplayed (a forfeit stands)."""
    row, board, match = _play(tournament, match_id, finished_too=True)
    board.apply(
        _engine(
            bracket.undo, board.structure, board, match.index, disqualified=board.disqualified()
        )
    )
    return _finish(row, board, match)


# Reports from Discord: a player reports, the opponent confirms or disputes

IN_PLAY = (
    Match.State.READY,
    Match.State.CALLED,
    Match.State.AWAITING_CONFIRMATION,
    Match.State.DISPUTED,
)
SCORE = re.compile(r"\s*(\d{1,2})\s*[-–—:]\s*(\d{1,2})\s*")
SCORE_FORMAT = _("Give the score as your games, a dash, then your opponent's, such as 2-1.")


def parse_score(text: str) -> tuple[int, int]:
    """ "2-1" (also "2 - 1", "2:1") as (the reporter's games, the opponent's)."""
    found = SCORE.fullmatch(str(text))
    if found is None:
        raise Refused(SCORE_FORMAT, field="score")
    return int(found[1]), int(found[2])


@dataclass(frozen=True)
class Reported:
    """A report: the match as it is now, and the result when it stood at once (the opponent
    had reported the same score)."""

    match: Match
    reporter: Entrant
    opponent: Entrant
    played: Played | None = None


def _players(match: Match) -> tuple[Entrant, Entrant]:
    return match.player_1, match.player_2


def _player(match: Match, discord_id: int) -> Entrant:
    """The entrant with this Discord id playing `match`, or Refused (not your match)."""
    for player in _players(match):
        if player is not None and player.discord_id == discord_id:
            return player
    one, two = (p.name if p else "?" for p in _players(match))
    raise Refused(
        _("Match %(match)s (%(one)s vs %(two)s) is not your match."),
        match=match.identifier,
        one=one,
        two=two,
    )


def _match_for_report(row: Tournament, match_id: int) -> tuple[_Board, Match]:
    """The locked match on a board of the locked tournament, ready for the result should
    the report stand (DoesNotExist if not there)."""
    if row.state != State.UNDERWAY:
        if row.state in OPEN:
            raise Refused(_("%(name)s has not started yet."), name=row.name)
        raise _closed(row)
    board = _Board(row, row.structure())
    return board, board.load_around(match_id)


def _open_for_report(match: Match) -> None:
    if match.state == Match.State.COMPLETE:
        raise Refused(
            _("Match %(match)s is already decided: %(result)s."),
            match=match.identifier,
            result=scoreline(match),
        )
    if match.state == Match.State.DISPUTED:
        raise Refused(
            _("Match %(match)s is disputed: the organiser settles it on the manage page."),
            match=match.identifier,
        )
    if match.state == Match.State.PENDING:
        raise Refused(
            _("Match %(match)s is not ready yet: it waits for its players."),
            match=match.identifier,
        )


@transaction.atomic
def report(
    tournament: Tournament, match_id: int, *, discord_id: int, mine: int, theirs: int
) -> Reported:
    """A player reports their match, their own games first. The opponent is asked to
    confirm (a report replaces an unconfirmed one); when the opponent had already reported
    the same result, it stands at once."""
    row = _locked(tournament)
    board, match = _match_for_report(row, match_id)
    _open_for_report(match)
    reporter = _player(match, discord_id)
    opponent = match.player_2 if reporter == match.player_1 else match.player_1
    scores = (mine, theirs) if reporter == match.player_1 else (theirs, mine)
    winner_slot_for(row.best_of, *scores)
    if (
        match.state == Match.State.AWAITING_CONFIRMATION
        and match.reported_by_id == opponent.pk
        and (match.reported_score_1, match.reported_score_2) == scores
    ):
        played = _result(row, board, match, score_1=scores[0], score_2=scores[1])
        return Reported(played.match, reporter, opponent, played)
    match.reported_by = reporter
    match.reported_score_1, match.reported_score_2 = scores
    match.report_version += 1
    match.state = Match.State.AWAITING_CONFIRMATION
    match.save(
        update_fields=[
            "reported_by",
            "reported_score_1",
            "reported_score_2",
            "report_version",
            "state",
            "updated_at",
        ]
    )
    _bump(row)
    outbox.reported(row, match)
    return Reported(match, reporter, opponent)


def _answerable(row: Tournament, match_id: int, *, discord_id: int, version: int):
    """The match whose report (`version`) this person may confirm or dispute, and its board."""
    board, match = _match_for_report(row, match_id)
    _open_for_report(match)
    answering = _player(match, discord_id)
    if match.state != Match.State.AWAITING_CONFIRMATION:
        raise Refused(_("Nobody has reported match %(match)s yet."), match=match.identifier)
    if version != match.report_version:
        raise Refused(
            _(
                "That report of match %(match)s was replaced by a newer one: answer the "
                "latest message in the match's thread."
            ),
            match=match.identifier,
        )
    if match.reported_by_id == answering.pk:
        raise Refused(_("You reported this score yourself: your opponent confirms it."))
    return board, match, answering


@transaction.atomic
def confirm(tournament: Tournament, match_id: int, *, discord_id: int, version: int) -> Played:
    """The opponent confirms report `version`: the result stands, as the organiser's would."""
    row = _locked(tournament)
    board, match, _ = _answerable(row, match_id, discord_id=discord_id, version=version)
    return _result(
        row, board, match, score_1=match.reported_score_1, score_2=match.reported_score_2
    )


@transaction.atomic
def dispute(tournament: Tournament, match_id: int, *, discord_id: int, version: int) -> Match:
    """The opponent disputes report `version`: the match waits for the organiser, who is
    told in the thread and settles it on the manage page (set_result)."""
    row = _locked(tournament)
    _, match, answering = _answerable(row, match_id, discord_id=discord_id, version=version)
    match.state = Match.State.DISPUTED
    match.save(update_fields=["state", "updated_at"])
    _bump(row)
    outbox.disputed(row, match, by=answering.pk)
    return match


def current_match(guild_id: int, discord_id: int, *, channel_id: int | None = None) -> Match:
    """The match a person reports with /report: the one whose thread this is, else their
    one match in play in the server. Refused when there is none, or several."""
    matches = Match.objects.select_related("tournament", "player_1", "player_2")
    if channel_id is not None:
        in_thread = matches.filter(thread_id=channel_id, tournament__guild_id=guild_id).first()
        if in_thread is not None:
            _player(in_thread, discord_id)
            return in_thread
    mine = list(
        matches.filter(
            tournament__guild_id=guild_id,
            tournament__state=State.UNDERWAY,
            state__in=IN_PLAY,
        )
        .filter(Q(player_1__discord_id=discord_id) | Q(player_2__discord_id=discord_id))
        .order_by("tournament_id", "index")[:5]
    )
    if len(mine) == 1:
        return mine[0]
    if mine:
        names = ", ".join(sorted({m.tournament.name for m in mine}))
        raise Refused(
            _(
                "You have more than one match to play (%(names)s): run /%(report)s in the "
                "match's thread."
            ),
            names=names,
            report=pgettext_lazy("slash command name", "report"),
        )
    entered = (
        Entrant.objects.filter(
            tournament__guild_id=guild_id, tournament__state=State.UNDERWAY, discord_id=discord_id
        )
        .select_related("tournament")
        .first()
    )
    if entered is None:
        raise Refused(_("You are not an entrant of a tournament underway in this server."))
    return _nothing_to_play(entered)


def _nothing_to_play(entrant: Entrant):
    if entrant.placement is not None or entrant.disqualified:
        raise Refused(
            _("You are out of %(name)s: there is nothing to report."),
            name=entrant.tournament.name,
        )
    raise Refused(
        _(
            "You have no match to play in %(name)s right now: you will be called when your "
            "next one is ready."
        ),
        name=entrant.tournament.name,
    )


@transaction.atomic
def match_called(tournament: Tournament, match_id: int, *, thread_id: int) -> None:
    """The bot called the match in Discord: its thread, and a ready match becomes called."""
    row = _locked(tournament)
    match = Match.objects.select_for_update(of=("self",)).get(pk=match_id, tournament=row)
    match.thread_id = thread_id
    if match.state == Match.State.READY:
        match.state = Match.State.CALLED
    match.save(update_fields=["thread_id", "state", "updated_at"])
    _bump(row)


@transaction.atomic
def retry_posts(tournament: Tournament) -> int:
    """The organiser fixed what Discord refused: the tournament's posts go out again."""
    row = _locked(tournament)
    count = outbox.retry(row)
    if not count:
        raise Refused(_("No post is waiting for a retry."))
    return count


def scoreline(match: Match) -> str:
    """ "Ada 2-1 Blaze", or "Ada wins by forfeit", for messages (in the active language)."""
    one, two = match.player_1, match.player_2
    if match.forfeit and match.winner:
        return gettext("%(name)s wins by forfeit") % {"name": match.winner.name}
    if match.score_1 is None or one is None or two is None:
        return gettext("no result")
    return f"{one.name} {match.score_1}-{match.score_2} {two.name}"


__all__ = [
    "Edited",
    "Played",
    "Refused",
    "Reported",
    "Started",
    "add_walk_in",
    "cancel",
    "check_in",
    "clean_name",
    "confirm",
    "create",
    "current_match",
    "disqualify",
    "dispute",
    "edit",
    "join",
    "leave",
    "local_to_utc",
    "match_called",
    "not_editable",
    "open_check_in",
    "open_due_check_ins",
    "order_from_boxes",
    "parse_score",
    "reinstate",
    "remove_entrant",
    "reorder",
    "report",
    "reset",
    "retry_posts",
    "set_result",
    "start",
    "winner_slot_for",
]
