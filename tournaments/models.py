"""Tournaments, their entrants and their matches: the schema, and reads (what state a
tournament is in now, its time zone, the engine's view of a match). Every change goes
through `tournaments.operations`."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, tzinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guildbot.models import Guild, GuildConfig
from tournaments import bracket

BEST_OF = (1, 3, 5, 7)
MAX_CHECK_IN_MINUTES = 24 * 60
NAME_LENGTH = 100
ENTRANT_NAME_LENGTH = 64


def _entrants_range() -> str:
    return gettext("A bracket takes %(least)d to %(most)d entrants.") % {
        "least": bracket.MIN_ENTRANTS,
        "most": bracket.MAX_ENTRANTS,
    }


def _best_of(n: int) -> str:
    return gettext("Best of %(n)s") % {"n": n}


# Translated when shown, in the language of the moment.
ENTRANTS_RANGE = lazy(_entrants_range, str)()
best_of_label = lazy(_best_of, str)


def zone_named(name: str) -> tzinfo:
    """The IANA zone of a server's settings (UTC should the name not be one)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class Format(models.TextChoices):
    SINGLE_ELIMINATION = bracket.BracketFormat.SINGLE_ELIMINATION, _("Single elimination")
    DOUBLE_ELIMINATION = bracket.BracketFormat.DOUBLE_ELIMINATION, _("Double elimination")


class TournamentState(models.TextChoices):
    REGISTRATION = "registration", _("Registration open")
    CHECK_IN = "check_in", _("Check-in open")
    UNDERWAY = "underway", _("Underway")
    COMPLETE = "complete", pgettext_lazy("a tournament", "Complete")
    CANCELLED = "cancelled", _("Cancelled")


class MatchStatus(models.TextChoices):
    """A match's state, in the words of the public JSON (its labels for the pages)."""

    PENDING = "pending", _("Waiting for players")
    READY = "ready", _("Ready")
    # Part 2 (Discord): a thread called it, a player reported, the opponent disputed.
    CALLED = "called", _("Called")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
    DISPUTED = "disputed", _("Disputed")
    COMPLETE = "complete", pgettext_lazy("a match", "Complete")


class TournamentQuerySet(models.QuerySet):
    def public(self) -> TournamentQuerySet:
        """With what every page of a tournament shows: its server and that server's zone."""
        return self.select_related("guild__config")

    def listing(self, guild: Guild) -> TournamentQuerySet:
        """The server's tournaments for its settings page, latest start first, with counts."""
        return (
            self.filter(guild=guild)
            .select_related("guild__config")
            .annotate(entrant_count=models.Count("entrants"))
            .order_by("-starts_at", "-id")
        )

    def due_for_check_in(self, now: datetime | None = None) -> TournamentQuerySet:
        """Tournaments still in registration whose check-in time has come."""
        now = now or timezone.now()
        return self.filter(state=TournamentState.REGISTRATION, check_in_opens_at__lte=now)


class Tournament(models.Model):
    """One tournament of one server (a Guild the bot is in). `version` goes up with every
    change, so (slug, version) names what its public page and JSON show."""

    Format = Format
    State = TournamentState

    guild = models.ForeignKey(
        Guild,
        on_delete=models.CASCADE,
        to_field="guild_id",
        db_column="guild_id",
        related_name="tournaments",
        verbose_name="server",
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=NAME_LENGTH)
    game = models.CharField(max_length=NAME_LENGTH)
    format = models.CharField(max_length=32, choices=Format, default=Format.DOUBLE_ELIMINATION)
    best_of = models.PositiveSmallIntegerField(
        choices=[(n, best_of_label(n)) for n in BEST_OF], default=3
    )
    starts_at = models.DateTimeField()
    check_in_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[
            MaxValueValidator(
                MAX_CHECK_IN_MINUTES, _("Check-in lasts at most 1440 minutes (a day).")
            )
        ],
    )
    # starts_at - check_in_minutes, or None without check-in: when check-in opens by itself.
    check_in_opens_at = models.DateTimeField(null=True, blank=True, editable=False)
    max_entrants = models.PositiveSmallIntegerField(
        default=64,
        validators=[
            MinValueValidator(bracket.MIN_ENTRANTS, ENTRANTS_RANGE),
            MaxValueValidator(bracket.MAX_ENTRANTS, ENTRANTS_RANGE),
        ],
    )
    state = models.CharField(
        max_length=16, choices=TournamentState, default=TournamentState.REGISTRATION
    )
    # The entrant count the bracket was built for, set when it starts.
    bracket_entrants = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TournamentQuerySet.as_manager()

    class Meta:
        ordering = ("-starts_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(best_of__in=BEST_OF), name="tournament_best_of_is_odd_up_to_7"
            ),
            models.CheckConstraint(
                condition=Q(max_entrants__gte=bracket.MIN_ENTRANTS)
                & Q(max_entrants__lte=bracket.MAX_ENTRANTS),
                name="tournament_max_entrants_2_to_1024",
            ),
            models.CheckConstraint(
                condition=Q(check_in_minutes__lte=MAX_CHECK_IN_MINUTES),
                name="tournament_check_in_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=Q(state__in=TournamentState.values), name="tournament_state_is_known"
            ),
            models.CheckConstraint(
                condition=Q(format__in=Format.values), name="tournament_format_is_known"
            ),
            models.CheckConstraint(
                condition=Q(bracket_entrants__isnull=True)
                | Q(bracket_entrants__gte=bracket.MIN_ENTRANTS),
                name="tournament_bracket_has_2_or_more",
            ),
        ]
        indexes = [models.Index(fields=["state", "check_in_opens_at"])]

    def __str__(self) -> str:
        return self.name

    def current_state(self, now: datetime | None = None) -> str:
        """The state as of `now`: registration turns into check-in when its time comes, even
        before a write records it (reads never write)."""
        if (
            self.state == self.State.REGISTRATION
            and self.check_in_opens_at is not None
            and (now or timezone.now()) >= self.check_in_opens_at
        ):
            return self.State.CHECK_IN
        return self.state

    def current_state_label(self) -> str:
        return self.State(self.current_state()).label

    @property
    def is_open(self) -> bool:
        """Entrants may still come and go."""
        return self.current_state() in (self.State.REGISTRATION, self.State.CHECK_IN)

    @property
    def is_fixable(self) -> bool:
        """Its bracket may still change: underway, or complete (its last results can be
        fixed or reset, its last forfeits taken back)."""
        return self.state in (self.State.UNDERWAY, self.State.COMPLETE)

    @property
    def config(self) -> GuildConfig | None:
        """The server's settings (joined by `objects.public()`), None if never configured."""
        try:
            return self.guild.config
        except Guild.config.RelatedObjectDoesNotExist:
            return None

    @property
    def time_zone(self) -> str:
        """The server's time zone name, in which its times are entered and shown."""
        config = self.config
        return config.timezone if config is not None else "UTC"

    def zone(self) -> tzinfo:
        return zone_named(self.time_zone)

    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.zone())

    def local_check_in_opens_at(self) -> datetime | None:
        opens = self.check_in_opens_at
        return opens.astimezone(self.zone()) if opens else None

    def structure(self) -> bracket.Structure | None:
        """The bracket's fixed shape once it has started (cached by the engine)."""
        if self.bracket_entrants is None:
            return None
        return bracket.build(self.format, self.bracket_entrants)


class Entrant(models.Model):
    """Someone in a tournament: a server member (`discord_id`, and `user` once they have
    signed in on the site) or a walk-in the organiser added by name. Walk-ins count as
    checked in: they have no button to press, and the organiser vouches for them."""

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="entrants")
    name = models.CharField(max_length=ENTRANT_NAME_LENGTH)
    discord_id = models.PositiveBigIntegerField("Discord id", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entries",
    )
    # 1..n, seed 1 first; None only for a moment while the seeds are renumbered.
    seed = models.PositiveSmallIntegerField(null=True)
    checked_in = models.BooleanField(default=False)
    disqualified = models.BooleanField(default=False)
    placement = models.PositiveSmallIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("seed", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["tournament", "discord_id"], name="entrant_once_per_tournament"
            ),
            models.UniqueConstraint(fields=["tournament", "seed"], name="entrant_seed_unique"),
            models.CheckConstraint(
                condition=Q(seed__isnull=True) | Q(seed__gte=1), name="entrant_seed_from_1"
            ),
            models.CheckConstraint(
                condition=Q(placement__isnull=True) | Q(placement__gte=1),
                name="entrant_placement_from_1",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Match(models.Model):
    """One real match of a started tournament's bracket (byes are never matches): where it
    sits in the engine's structure, who plays it, and its result. Scores are games won by
    player_1 (the engine's slot 0) and player_2 (slot 1)."""

    State = MatchStatus

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    index = models.PositiveSmallIntegerField()
    identifier = models.CharField(max_length=4)
    side = models.CharField(max_length=16, choices=[(s.value, s.value) for s in bracket.Side])
    round = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()
    winner_to = models.PositiveSmallIntegerField(null=True, blank=True)
    winner_to_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    loser_to = models.PositiveSmallIntegerField(null=True, blank=True)
    loser_to_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    is_reset = models.BooleanField(default=False)
    player_1 = models.ForeignKey(
        Entrant, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    player_2 = models.ForeignKey(
        Entrant, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    score_1 = models.PositiveSmallIntegerField(null=True, blank=True)
    score_2 = models.PositiveSmallIntegerField(null=True, blank=True)
    winner = models.ForeignKey(
        Entrant, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    forfeit = models.BooleanField(default=False)
    # A grand final reset that is not needed (the winners' side won the grand final).
    skipped = models.BooleanField(default=False)
    state = models.CharField(max_length=24, choices=MatchStatus, default=MatchStatus.PENDING)
    # The match's thread in the server's matches channel.
    thread_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A player's report, until the opponent confirms it (or disputes it, and the organiser
    # settles it): scores by slot, as score_1 and score_2; `report_version` names the report
    # the opponent's buttons answer, so an old prompt cannot confirm a newer report.
    reported_by = models.ForeignKey(
        Entrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_score_1 = models.PositiveSmallIntegerField(null=True, blank=True)
    reported_score_2 = models.PositiveSmallIntegerField(null=True, blank=True)
    report_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "matches"
        ordering = ("tournament", "index")
        constraints = [
            models.UniqueConstraint(fields=["tournament", "index"], name="match_index_unique"),
            models.CheckConstraint(
                condition=Q(state__in=MatchStatus.values), name="match_state_known"
            ),
            models.CheckConstraint(
                condition=Q(side__in=[s.value for s in bracket.Side]), name="match_side_known"
            ),
            models.CheckConstraint(
                condition=(Q(score_1__isnull=True) | Q(score_1__gte=0))
                & (Q(score_2__isnull=True) | Q(score_2__gte=0)),
                name="match_scores_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(winner__isnull=True)
                | Q(winner=F("player_1"))
                | Q(winner=F("player_2")),
                name="match_winner_is_a_player",
            ),
            models.CheckConstraint(
                condition=Q(winner_to_slot__isnull=True) | Q(winner_to_slot__in=(0, 1)),
                name="match_winner_slot_0_or_1",
            ),
            models.CheckConstraint(
                condition=Q(loser_to_slot__isnull=True) | Q(loser_to_slot__in=(0, 1)),
                name="match_loser_slot_0_or_1",
            ),
        ]

    def __str__(self) -> str:
        return f"Match {self.identifier}"

    @property
    def player_ids(self) -> tuple[int | None, int | None]:
        return self.player_1_id, self.player_2_id

    @property
    def winner_slot(self) -> int | None:
        if self.winner_id is None:
            return None
        return 0 if self.winner_id == self.player_1_id else 1

    @property
    def loser_id(self) -> int | None:
        slot = self.winner_slot
        return None if slot is None else self.player_ids[1 - slot]

    @property
    def is_decided(self) -> bool:
        return self.winner_id is not None


class PostKind(models.TextChoices):
    """What the bot posts or edits in Discord for a tournament."""

    ANNOUNCEMENT = "announcement", _("Announcement")
    ANNOUNCEMENT_EDIT = "announcement_edit", _("Announcement update")
    CHECK_IN = "check_in", pgettext_lazy("a post", "Check-in")
    MATCH_CALL = "match_call", _("Match call")
    MATCH_EDIT = "match_edit", _("Match update")
    REPORT = "report", _("Report to confirm")
    DISPUTE = "dispute", pgettext_lazy("a post", "Dispute")
    STANDINGS = "standings", _("Final standings")
    CANCELLED = "cancelled", _("Cancellation")
    START_MOVED = "start_moved", _("Start time change")


class PostState(models.TextChoices):
    PENDING = "pending", "Waiting to go out"
    SENDING = "sending", "Going out"
    DONE = "done", "Posted"
    # Discord refused it for good, or the channel is not set: the tournament's queue waits
    # for the organiser's Retry.
    FAILED = "failed", "Refused"
    # Nothing left to do (the message to edit was deleted, the match is over).
    SKIPPED = "skipped", "Skipped"


class Post(models.Model):
    """The outbox: one thing the bot must post or edit in Discord, written in the same
    transaction as the change that causes it and delivered by the bot process on the shard
    that holds the server (tournaments.outbox, tournaments.delivery).

    A tournament's posts go out one at a time, in (due_at, id) order. What Discord made is
    recorded step by step (the message, then its thread, then the thread's first message),
    so a retry or a restart carries on instead of posting twice."""

    Kind = PostKind
    State = PostState

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="posts")
    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, null=True, blank=True, related_name="posts"
    )
    # The tournament's server, here so that a bot process selects its shards' rows in SQL.
    guild_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=24, choices=PostKind)
    state = models.CharField(max_length=8, choices=PostState, default=PostState.PENDING)
    # What the post says that must not change between attempts (a report's scores).
    payload = models.JSONField(default=dict, blank=True)
    # Not before: a coalesced edit waits a few seconds for more changes.
    due_at = models.DateTimeField(default=timezone.now)
    # After a transient failure: when to try again (the queue keeps its order meanwhile).
    retry_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The claim: who is sending it, until when (renewed while sending).
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    first_claimed_at = models.DateTimeField(null=True, blank=True)
    # What Discord made, recorded as each step succeeds.
    channel_id = models.PositiveBigIntegerField(null=True, blank=True)
    message_id = models.PositiveBigIntegerField(null=True, blank=True)
    thread_id = models.PositiveBigIntegerField(null=True, blank=True)
    thread_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Why it failed or was skipped: a problem code (outbox.PROBLEMS), Discord's error code,
    # and details (the missing permissions).
    problem = models.CharField(max_length=32, blank=True)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at", "id")
        indexes = [
            models.Index(fields=["state", "guild_id"], name="post_state_guild"),
            models.Index(fields=["tournament", "state"], name="post_tournament_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PostKind.values), name="post_kind_known"),
            models.CheckConstraint(
                condition=Q(state__in=PostState.values), name="post_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"
