"""The outbox: what each change asks the bot to post in Discord, and the delivery's claims.

The operations call the first half (`announce`, `entrants_changed`, `played`, ...) inside
their own transaction, with the tournament's row locked, so a post exists exactly when the
change that causes it does, whichever front end made the change. The bot process calls the
second half (`heads`, `claim`, `record`, `finish`, ...), as healthchecks' `sendalerts` claims
a flip: a conditional UPDATE takes a row before anything is sent, so a second process, or a
restart, never sends a claimed row twice; the claim is a lease the sender renews, and a row
whose lease ran out (its process died) is taken over and reconciled, not sent afresh.

Rules of the queue: a tournament's rows go out one at a time, in (due_at, id) order; a row
Discord refused for good (`FAILED`) stops its tournament's queue until the organiser's
Retry; a transient failure waits (`retry_at`) and keeps its place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guildbot.models import GuildConfig
from guildbot.store import on_shards
from tournaments.models import Match, Post, Tournament

logger = logging.getLogger(__name__)

Kind, State = Post.Kind, Post.State
UNFINISHED = (State.PENDING, State.SENDING, State.FAILED)
# Edits rendered from the state at delivery: one waiting row per target is enough.
COALESCED = (Kind.ANNOUNCEMENT_EDIT, Kind.MATCH_EDIT)
# In an announcement edit's payload: the details changed, so the open check-in message is
# redrawn too (an entrant count alone leaves it be).
DETAILS = "details"
# In an announcement edit's payload: the tournament reopened or was cancelled, so standings
# posted before are redrawn (once, not at every later edit).
STANDINGS = "standings"
# In a start notice's payload: the start it replaces, as entrants last saw it, and the start
# it announces, fixed by the change (Unix times).
WAS = "was"
NOW = "now"

# Why a post is waiting for the organiser, or was skipped (Post.problem).
NO_CHANNEL = "no_channel"  # the server's settings name no channel for it
MISSING_PERMISSIONS = "missing_permissions"  # 50013
MISSING_ACCESS = "missing_access"  # 50001
UNKNOWN_CHANNEL = "unknown_channel"  # 10003
REFUSED = "refused"  # any other 4xx: Discord refused the request as we made it
GONE = "gone"  # skipped: the message to edit, or the match thread, was deleted
OBSOLETE = "obsolete"  # skipped: the match is over, the report was replaced, it reopened
TOO_MANY_THREADS = 160006  # Discord's "Maximum number of active threads reached"


def _new(tournament: Tournament, kind: str, *, match: Match | None = None, **fields) -> Post:
    return Post(
        tournament=tournament, guild_id=tournament.guild_id, kind=kind, match=match, **fields
    )


def _add(tournament: Tournament, kind: str, *, match: Match | None = None, **fields) -> Post:
    post = _new(tournament, kind, match=match, **fields)
    post.save()
    return post


def _waiting_edits(tournament: Tournament, kind: str, **target):
    """The edits of this kind not yet claimed, locked until the change commits: a bot that
    claims one meanwhile waits for the commit, so its edit shows this change too (without
    the lock it might draw the state from just before it, and the change would never show).
    Edits are never match calls, whose finish takes the tournament's lock after the row's."""
    return Post.objects.select_for_update().filter(
        tournament=tournament, kind=kind, state=State.PENDING, **target
    )


def _coalesce(
    tournament: Tournament,
    kind: str,
    *,
    match: Match | None,
    due_at: datetime,
    payload: dict | None = None,
    first: dict | None = None,
    untried: bool = False,
):
    """One waiting edit per target: a new change moves an existing one earlier, never later,
    and adds what its `payload` asks to what the waiting one's already does. `first`: what
    only the change that made the waiting one says (later changes leave it be). `untried`:
    join only a row never claimed (one tried before may already be in Discord as it was)."""
    waiting = _waiting_edits(tournament, kind, match=match)
    if untried:
        waiting = waiting.filter(first_claimed_at__isnull=True)
    waiting = waiting.first()
    if waiting is None:
        return _add(
            tournament,
            kind,
            match=match,
            due_at=due_at,
            payload={**(first or {}), **(payload or {})},
        )
    changes: dict[str, object] = {}
    if due_at < waiting.due_at:
        changes["due_at"] = due_at
    if payload and not payload.items() <= waiting.payload.items():
        changes["payload"] = {**waiting.payload, **payload}
    if changes:
        Post.objects.filter(pk=waiting.pk).update(**changes)
    return waiting


def _soon() -> datetime:
    """When a coalesced change goes out: a few seconds from now, so more can join it."""
    return timezone.now() + timedelta(seconds=settings.OUTBOX_COALESCE_SECONDS)


# What each change enqueues (called by tournaments.operations, inside its transaction)


def announce(tournament: Tournament) -> None:
    """A new tournament: the announcement with Join and Leave."""
    _add(tournament, Kind.ANNOUNCEMENT)


def entrants_changed(tournament: Tournament) -> None:
    """Someone joined, left, checked in or was removed: the entrant count, edited a few
    seconds later from the state then, so a burst of joins makes one edit."""
    _coalesce(tournament, Kind.ANNOUNCEMENT_EDIT, match=None, due_at=_soon())


def details_changed(tournament: Tournament) -> None:
    """The organiser edited the name, game, format, best-of, start or cap: the same edit
    as the entrant count's (coalesced with it), which also redraws the check-in message
    while check-in is open, since its words hold the name and the start (`DETAILS`)."""
    _coalesce(
        tournament,
        Kind.ANNOUNCEMENT_EDIT,
        match=None,
        due_at=_soon(),
        payload={DETAILS: True},
    )


def start_moved(tournament: Tournament, *, was: datetime) -> None:
    """The organiser moved the start from `was` to `tournament.starts_at`. An edited message
    notifies nobody, so once the announcement is out (or going out: its readers saw the old
    time; one still to be sent will show the new) a short notice follows the announcement's
    edit. It is coalesced as that edit is, but only into a notice never tried: each notice
    says the start it replaces as readers last saw it (`WAS`, kept from the change that made
    it) and the start it announces (`NOW`, fixed by the latest change it took in), so a
    notice already tried (perhaps in Discord, its answer lost) or refused and retried later
    still says what it said, and a later move gets its own notice from there. Moved back
    before delivery, it says nothing (posts.plan_start_moved)."""
    announced = tournament.posts.filter(kind=Kind.ANNOUNCEMENT).filter(
        Q(state__in=(State.SENDING, State.DONE)) | Q(message_id__isnull=False)
    )
    if not announced.exists():
        return
    _coalesce(
        tournament,
        Kind.START_MOVED,
        match=None,
        due_at=_soon(),
        first={WAS: int(was.timestamp())},
        payload={NOW: int(tournament.starts_at.timestamp())},
        untried=True,
    )


def _state_changed(tournament: Tournament, *, standings: bool = False) -> None:
    """The tournament moved on (check-in, start, end, reopening, cancel): the announcement
    now, and with `standings` the standings it had posted (`STANDINGS`)."""
    _coalesce(
        tournament,
        Kind.ANNOUNCEMENT_EDIT,
        match=None,
        due_at=timezone.now(),
        payload={STANDINGS: True} if standings else None,
    )


def check_in_opened(tournament: Tournament) -> None:
    _add(tournament, Kind.CHECK_IN)
    _state_changed(tournament)


def started(tournament: Tournament) -> None:
    """Entries close; every match ready now is called, in play order."""
    _state_changed(tournament)
    ready = tournament.matches.filter(state=Match.State.READY).order_by("index")
    Post.objects.bulk_create([_new(tournament, Kind.MATCH_CALL, match=m) for m in ready])


def played(tournament: Tournament, changed: Iterable[Match], *, complete: bool, was_complete: bool):
    """A result, a fix, a reset or a disqualification changed these matches: each one
    already called is edited (its result, or that it waits again); each one now ready and
    never called is called; the standings go out when the tournament ends, and those not
    sent yet are skipped when it reopens. Three queries (what was called, the edits
    waiting, one INSERT) at any bracket size, and one UPDATE when it reopens."""
    changed = list(changed)
    ids = [m.pk for m in changed]
    called = set(
        Post.objects.filter(tournament=tournament, kind=Kind.MATCH_CALL, match__in=ids).values_list(
            "match_id", flat=True
        )
    )
    # Due already (edits of a match are never delayed): a waiting one will show this too.
    editing = set(
        _waiting_edits(tournament, Kind.MATCH_EDIT, match__in=ids).values_list(
            "match_id", flat=True
        )
    )
    posts = []
    for match in changed:
        if match.pk in called:
            if match.pk not in editing:
                posts.append(_new(tournament, Kind.MATCH_EDIT, match=match))
        elif match.state == Match.State.READY:
            posts.append(_new(tournament, Kind.MATCH_CALL, match=match))
    if complete and not was_complete:
        posts.append(_new(tournament, Kind.STANDINGS))
    elif was_complete and not complete:
        _reopened(tournament)
    Post.objects.bulk_create(posts)
    if complete != was_complete:
        _state_changed(tournament, standings=was_complete)


def _reopened(tournament: Tournament) -> None:
    """The tournament is underway again: standings not sent yet would say it is over, so
    they are skipped (new ones go out when it ends again). Standings that went out, or are
    going out now, the announcement's edit redraws (`STANDINGS`, posts.plan_announcement_edit)."""
    Post.objects.filter(
        tournament=tournament,
        kind=Kind.STANDINGS,
        state__in=(State.PENDING, State.FAILED),
        message_id=None,
    ).update(
        state=State.SKIPPED,
        problem=OBSOLETE,
        detail="the tournament was reopened before they were posted",
        retry_at=None,
    )


def reported(tournament: Tournament, match: Match) -> None:
    """A player reported: the opponent's Confirm / Dispute, for this report only."""
    _add(
        tournament,
        Kind.REPORT,
        match=match,
        payload={
            "version": match.report_version,
            "by": match.reported_by_id,
            "scores": [match.reported_score_1, match.reported_score_2],
        },
    )


def disputed(tournament: Tournament, match: Match, *, by: int) -> None:
    """The opponent disputed the report: the organiser is mentioned in the thread."""
    _add(
        tournament,
        Kind.DISPUTE,
        match=match,
        payload={
            "version": match.report_version,
            "by": by,
            "reported_by": match.reported_by_id,
            "scores": [match.reported_score_1, match.reported_score_2],
        },
    )


def cancelled(tournament: Tournament) -> None:
    _add(tournament, Kind.CANCELLED)
    _state_changed(tournament, standings=True)  # posted before a reopening, if any


def retry(tournament: Tournament) -> int:
    """The organiser's Retry: the refused posts wait to go out again, in their place."""
    return Post.objects.filter(tournament=tournament, state=State.FAILED).update(
        state=State.PENDING, retry_at=None, claim="", claimed_until=None
    )


# Reads for the pages


def problem(tournament: Tournament) -> Post | None:
    """The refused post that stops this tournament's queue, if one does."""
    return tournament.posts.filter(state=State.FAILED).order_by("due_at", "id").first()


def waiting(tournament: Tournament) -> int:
    """How many posts have not gone out yet."""
    return tournament.posts.filter(state__in=UNFINISHED).count()


# Discord's names for the permissions the delivery needs, as its client shows them in
# Edit Channel > Permissions (in the language of the reader's Discord).
PERMISSION_NAMES = {
    "view_channel": _("View Channel"),
    "send_messages": _("Send Messages"),
    "read_message_history": _("Read Message History"),
    "create_public_threads": _("Create Public Threads"),
    "send_messages_in_threads": _("Send Messages in Threads"),
}
CHANNEL_KINDS = {
    "announcements": pgettext_lazy("a channel for", "announcements"),
    "matches": pgettext_lazy("a channel for", "matches"),
}


def setup_command() -> str:
    """ "fightrise setup", as Discord shows the command to a person of the language active."""
    return " ".join(
        (pgettext("slash command name", "fightrise"), pgettext("slash command name", "setup"))
    )


def permission_name(name: str) -> str:
    return str(PERMISSION_NAMES.get(name, name.replace("_", " ").title()))


def explain(post: Post, channels: list[dict]) -> str:
    """What stops this tournament's posts, and what to fix, in the organiser's words (in
    the language active: the page's). `channels`: the server's channels as guildbot.Guild
    keeps them ({"id", "name"})."""
    names = {str(c.get("id")): c.get("name") for c in channels}
    channel_id, missing = refused_where(post)
    if str(channel_id) in names:
        channel = f"#{names[str(channel_id)]}"
    else:
        channel = gettext("its channel")
    if post.problem == NO_CHANNEL:
        return gettext(
            "No %(kind)s channel is set for this server, so FightRise has nowhere to post. "
            "Choose one in the server's settings (or with /%(command)s in Discord), then "
            "press Retry."
        ) % {"kind": CHANNEL_KINDS.get(post.detail, post.detail), "command": setup_command()}
    if post.problem == MISSING_PERMISSIONS:
        lacks = ", ".join(permission_name(name) for name in missing) or ", ".join(
            str(name) for name in PERMISSION_NAMES.values()
        )
        return gettext(
            "FightRise may not post in %(channel)s: it lacks %(permissions)s there. Allow it "
            "in the channel's permissions in Discord (Edit Channel, Permissions), then press "
            "Retry."
        ) % {"channel": channel, "permissions": lacks}
    if post.problem == MISSING_ACCESS:
        return gettext(
            "FightRise cannot see %(channel)s. Give it %(permission)s there in Discord (Edit "
            "Channel, Permissions), then press Retry."
        ) % {"channel": channel, "permission": permission_name("view_channel")}
    if post.problem == UNKNOWN_CHANNEL:
        return gettext(
            "The channel FightRise posts in (%(channel)s) no longer exists. Choose another in "
            "the server's settings, then press Retry."
        ) % {"channel": channel}
    if post.error_code == TOO_MANY_THREADS:
        return gettext(
            "This server has as many active threads as Discord allows (1,000). Archive some in "
            "Discord, then press Retry."
        )
    return gettext(
        "Discord refused a post (%(kind)s, error %(code)s). It has been logged; press Retry to "
        "try again."
    ) % {"kind": post.get_kind_display(), "code": post.error_code or gettext("unknown")}


def refused_where(post: Post) -> tuple[int | None, list[str]]:
    """A refusal's channel and the permissions the bot lacked there (delivery writes the
    detail as "<channel id>:<permission>,<permission>")."""
    channel, _, missing = post.detail.partition(":")
    return (int(channel) if channel.isdigit() else None), [m for m in missing.split(",") if m]


# The delivery's side (the bot process, through sync_to_async)


def heads(
    shard_ids: Iterable[int],
    shard_count: int,
    *,
    now: datetime | None = None,
    skip: Iterable[int] = (),
    tournament_id: int | None = None,
    limit: int = 100,
) -> list[Post]:
    """Per tournament of these shards' servers (the bot present there), the first row not
    yet posted, when it may go now: not refused, due, not waiting to retry, and not claimed
    by a live lease. `skip`: tournaments this process is already sending; `tournament_id`:
    only that one's."""
    now = now or timezone.now()
    rows = Post.objects.filter(state__in=UNFINISHED, tournament__guild__present=True)
    if tournament_id is not None:
        rows = rows.filter(tournament_id=tournament_id)
    ranked = on_shards(rows, shard_ids, shard_count).annotate(
        rank=Window(RowNumber(), partition_by=[F("tournament_id")], order_by=[F("due_at"), F("id")])
    )
    first = ranked.filter(rank=1).exclude(tournament_id__in=list(skip)).order_by("due_at", "id")
    found = []
    for post in first:
        if post.state == State.FAILED or post.due_at > now:
            continue
        if post.retry_at is not None and post.retry_at > now:
            continue
        if post.state == State.SENDING and post.claimed_until and post.claimed_until > now:
            continue
        found.append(post)
        if len(found) >= limit:
            break
    return found


def claim(post_id: int, token: str, *, lease: float, now: datetime | None = None) -> Post | None:
    """Take a row, with a conditional UPDATE: only a waiting row or one whose lease ran
    out, and only while no other row of its tournament is being sent. None when another
    process (or nothing) got it."""
    now = now or timezone.now()
    busy = Post.objects.filter(
        tournament_id=OuterRef("tournament_id"), state=State.SENDING, claimed_until__gt=now
    ).exclude(pk=post_id)
    taken = (
        Post.objects.filter(pk=post_id)
        .filter(Q(state=State.PENDING) | Q(state=State.SENDING, claimed_until__lte=now))
        .filter(~Exists(busy))
        .update(
            state=State.SENDING,
            claim=token,
            claimed_until=now + timedelta(seconds=lease),
            attempts=F("attempts") + 1,
        )
    )
    if not taken:
        return None
    post = Post.objects.get(pk=post_id)
    if post.first_claimed_at is None:
        # What must stay as the first attempt had it: since when a retry looks for the
        # message it may have made, and the words' language (the server's, now), so that
        # it looks for the same words.
        post.first_claimed_at = now
        post.payload = {**post.payload, "language": GuildConfig.objects.language(post.guild_id)}
        Post.objects.filter(pk=post_id).update(first_claimed_at=now, payload=post.payload)
    return post


def _mine(post_id: int, token: str):
    return Post.objects.filter(pk=post_id, claim=token, state=State.SENDING)


def renew(post_id: int, token: str, *, lease: float) -> bool:
    """Keep the claim while sending (a long wait on a rate limit); False: it was lost."""
    until = timezone.now() + timedelta(seconds=lease)
    return bool(_mine(post_id, token).update(claimed_until=until))


def record(post_id: int, token: str, **ids: int) -> bool:
    """What Discord just made (channel_id, message_id, thread_id, thread_message_id), before
    anything else is sent. False: the claim was lost, so stop."""
    return bool(_mine(post_id, token).update(**ids))


def finish(post_id: int, token: str) -> bool:
    """Done. A match call's thread goes on its match (the JSON shows it), with the call."""
    from tournaments import operations

    with transaction.atomic():
        post = _mine(post_id, token).select_for_update().first()
        if post is None:
            return False
        if post.kind == Kind.MATCH_CALL and post.thread_id:
            operations.match_called(post.tournament, post.match_id, thread_id=post.thread_id)
        _mine(post_id, token).update(
            state=State.DONE, sent_at=timezone.now(), claim="", claimed_until=None
        )
    # The server names the shard, so a process's log shows it sent only its own shards' posts.
    logger.info("Post %s (%s) sent in server %s", post_id, post.kind, post.guild_id)
    return True


def fail(post_id: int, token: str, *, problem: str, error_code: int | None, detail: str) -> bool:
    """Discord refused it for good (or there is no channel): the queue waits for Retry."""
    logger.warning(
        "Post %s refused (%s, code %s): %s; its tournament's posts wait for Retry",
        post_id,
        problem,
        error_code,
        detail,
    )
    return bool(
        _mine(post_id, token).update(
            state=State.FAILED,
            problem=problem,
            error_code=error_code,
            detail=detail[:300],
            claim="",
            claimed_until=None,
        )
    )


def skip(post_id: int, token: str, *, problem: str, detail: str = "") -> bool:
    logger.info("Post %s skipped (%s) %s", post_id, problem, detail)
    return bool(
        _mine(post_id, token).update(
            state=State.SKIPPED, problem=problem, detail=detail[:300], claim="", claimed_until=None
        )
    )


def later(post_id: int, token: str, *, delay: float, detail: str) -> bool:
    """A transient failure (5xx, a timeout): try again after `delay`, keeping its place."""
    return bool(
        _mine(post_id, token).update(
            state=State.PENDING,
            retry_at=timezone.now() + timedelta(seconds=delay),
            detail=detail[:300],
            claim="",
            claimed_until=None,
        )
    )


def release(post_id: int, token: str) -> bool:
    """Give a claim back at shutdown: the next process takes it at once (and reconciles)."""
    return bool(_mine(post_id, token).update(state=State.PENDING, claim="", claimed_until=None))
