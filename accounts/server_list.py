"""The person's server list: fetched at login, kept in the session, refreshed when old or
marked stale.

Never one Discord call per page view: a fresh list is served as it is, an old one is
served at once and refreshed in the background, and after a 429 or an outage nobody asks
Discord again for this session until the pause is over.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts import grants
from accounts.crypto import TokenUnreadable
from accounts.grants import GrantRevoked
from accounts.models import Session
from fightrise import discord_api, ratelimit
from fightrise.permissions import may_manage
from fightrise.snowflake import parse_discord_id

logger = logging.getLogger(__name__)

# After Discord failed without saying how long to wait, leave it alone this long.
OUTAGE_BACKOFF = 30
# How long a request waits for another request's refresh of the same list (a double click).
OTHER_REFRESH_WAIT = 10.0
# The Refresh button asks Discord only for a list at least this many seconds old, and at
# most REFRESHES_PER_PERSON times in REFRESH_WINDOW seconds for one person, whatever their
# sessions: Discord bans an address (ours, for everyone) after 10,000 invalid requests in
# 10 minutes (docs: topics/rate-limits, "Invalid Request Limit").
REFRESH_COOLDOWN = 30
REFRESHES_PER_PERSON = 10
REFRESH_WINDOW = 600
# What a person may do in a server is decided on a list at most this many seconds old.
CONFIRM_MAX_AGE = 60
_background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="guild-refresh")
_pending: set[Future] = set()


@dataclass(frozen=True)
class ServerList:
    guilds: list[dict[str, Any]]
    fetched_at: datetime | None
    # Why the list may be out of date: an /auth/error/-style code such as "rate_limited".
    problem: str | None = None

    @property
    def version(self) -> str:
        """Changes with every list fetched from Discord."""
        return self.fetched_at.isoformat() if self.fetched_at else "none"

    @property
    def age(self) -> timedelta | None:
        return timezone.now() - self.fetched_at if self.fetched_at else None


def cache_id(session_key: str) -> str:
    """Names a session in cache keys: anyone who can list the keys (Redis KEYS) must not
    read live session keys there, so never the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def _backoff_key(session_key: str) -> str:
    return f"guilds:backoff:{cache_id(session_key)}"


def _lock_key(session_key: str) -> str:
    return f"guilds:refreshing:{cache_id(session_key)}"


def _outcome_key(session_key: str) -> str:
    return f"guilds:outcome:{cache_id(session_key)}"


DONE = "done"  # the outcome of a refresh that stored a new list
REVOKED = "revoked"  # the outcome of a refresh that found the grant gone
RECENT = "recent"  # no refresh: the list is new enough
TOO_MANY = "too_many_refreshes"  # no refresh: the person's refresh budget is spent
UNREADABLE = "tokens_unreadable"  # no refresh: no key here opens the session's tokens


def _lock_seconds() -> int:
    """Longer than a refresh: waiting for another worker's token refresh, a token refresh,
    then the list of servers."""
    token = discord_api.call_budget() + grants.refresh_lease().total_seconds()
    return math.ceil(token + discord_api.call_budget() + 10)


def refresh(session_key: str, *, wait: float | None = None, min_age: float = 0) -> str | None:
    """Fetch the server list from Discord now and keep it; returns the problem, if any.

    When another request is refreshing the same list, wait for it (up to `wait` seconds,
    OTHER_REFRESH_WAIT by default) and share its outcome. With `min_age`, a list younger
    than that (as stored once the lock is held, so that of requests racing in, only the
    first asks Discord) is kept, and RECENT returned.
    Raises GrantRevoked when Discord no longer honours the session's tokens.
    """
    if paused := cache.get(_backoff_key(session_key)):
        return paused if isinstance(paused, str) else "rate_limited"
    mine = uuid.uuid4().hex
    if not cache.add(_lock_key(session_key), mine, _lock_seconds()):
        return _outcome_of_other_refresh(session_key, OTHER_REFRESH_WAIT if wait is None else wait)
    outcome = "refresh_failed"
    try:
        stored = Session.objects.for_key(session_key).only("guilds_fetched_at", "guilds_stale")
        if min_age and _fresh(stored.first(), min_age):
            outcome = DONE
            return RECENT
        token = grants.fresh_access_token(session_key)
        guilds = discord_api.get_current_user_guilds(token)
        Session.objects.store_server_list(session_key, guilds)
        outcome = DONE
        return None
    except GrantRevoked:
        outcome = REVOKED
        raise
    except TokenUnreadable:
        # Logged by grants; the tokens may be fine for another worker: nothing ends.
        outcome = UNREADABLE
        cache.set(_backoff_key(session_key), outcome, OUTAGE_BACKOFF)
        return outcome
    except discord_api.DiscordUnauthorized as exc:
        outcome = REVOKED
        raise GrantRevoked("Discord refused the access token") from exc
    except discord_api.DiscordRateLimited as exc:
        outcome = exc.error_code
        cache.set(_backoff_key(session_key), outcome, max(1, math.ceil(exc.retry_after)))
        return outcome
    except discord_api.DiscordError as exc:
        outcome = exc.error_code
        cache.set(_backoff_key(session_key), outcome, OUTAGE_BACKOFF)
        logger.warning("Server list refresh failed: %s", exc)
        return outcome
    finally:
        # The outcome first, marked as ours, then the lock, if it is still ours: whoever
        # waits on this refresh finds its outcome when the lock goes. (Between the read and
        # the delete another refresh could take an expired lock; it would only start early.)
        cache.set(_outcome_key(session_key), (mine, outcome), _lock_seconds())
        if cache.get(_lock_key(session_key)) == mine:
            cache.delete(_lock_key(session_key))


def _outcome_of_other_refresh(session_key: str, wait: float) -> str | None:
    """Another request is fetching this list right now: wait for it and share its outcome.

    Only the outcome of the refresh waited on counts; if that one's lock lapsed without an
    outcome, it is still running as far as anyone knows.
    """
    deadline = time.monotonic() + wait
    holder = None
    while current := cache.get(_lock_key(session_key)):
        holder = current
        if time.monotonic() >= deadline:
            return "refresh_in_progress"
        time.sleep(0.05)
    if not Session.objects.for_key(session_key).exists():
        raise GrantRevoked("the session ended during the other refresh")
    finished = cache.get(_outcome_key(session_key))
    if not finished or (holder is not None and finished[0] != holder):
        return "refresh_in_progress"
    outcome = finished[1]
    if outcome == REVOKED:
        raise GrantRevoked("the other refresh found the grant gone")
    return None if outcome == DONE else outcome


def _refresh_in_background(session_key: str) -> None:
    try:
        # No request waits on this: it takes none of the places DISCORD_MAX_WAITING keeps.
        with discord_api.in_background():
            refresh(session_key, wait=0)  # a request already refreshing it is enough
    except GrantRevoked:
        # The person's next page view ends the session politely (no tokens, list stale).
        Session.objects.for_key(session_key).update(
            access_token="", refresh_token="", guilds_stale=True
        )
    except Exception:
        logger.exception("Background server list refresh failed")
    finally:
        connection.close()


def wait_for_background(timeout: float = 10) -> None:
    """Let background refreshes finish (tests and graceful shutdown)."""
    for future in list(_pending):
        future.result(timeout=timeout)


def refresh_now(request) -> str | None:
    """The Refresh button: fetch the list now unless it is under REFRESH_COOLDOWN seconds
    old (RECENT) or the person has spent their refreshes (TOO_MANY); returns the problem."""
    if _fresh(request.session.row, REFRESH_COOLDOWN):
        return RECENT
    person = request.session.row.user_id
    if not ratelimit.allow(
        f"guilds-refresh:{person}", limit=REFRESHES_PER_PERSON, window=REFRESH_WINDOW
    ):
        logger.warning("User %s refreshed their server list too often", person)
        return TOO_MANY
    return refresh(request.session.session_key, min_age=REFRESH_COOLDOWN)


def _refresh_row(request) -> str | None:
    """Refresh the list now and reload it into the request's session row; the problem, if any."""
    problem = refresh(request.session.session_key)
    if problem is None:
        request.session.row.refresh_from_db(fields=["guilds", "guilds_fetched_at", "guilds_stale"])
    return problem


def _fresh(row: Session | None, max_age: float) -> bool:
    """Whether the row's list came from Discord at most `max_age` seconds ago, unmarked."""
    if row is None or row.guilds_stale or row.guilds_fetched_at is None:
        return False
    return timezone.now() - row.guilds_fetched_at <= timedelta(seconds=max_age)


def _is_old(row) -> bool:
    return timezone.now() - row.guilds_fetched_at > timedelta(seconds=settings.GUILDS_MAX_AGE)


def current(request) -> ServerList:
    """The servers to show now. A stale list (the bot was just added) is refreshed before
    answering; an old one is served and refreshed in the background."""
    row = request.session.row
    key = request.session.session_key
    if row.guilds_stale or row.guilds_fetched_at is None:
        problem = _refresh_row(request)
        return ServerList(row.guilds, row.guilds_fetched_at, problem)
    if _is_old(row) and not cache.get(_backoff_key(key)):
        future = _background.submit(_refresh_in_background, key)
        _pending.add(future)
        future.add_done_callback(_pending.discard)
    return ServerList(row.guilds, row.guilds_fetched_at)


def confirmed_guilds(request, *, max_age: float = CONFIRM_MAX_AGE) -> list[dict[str, Any]] | None:
    """The server list no older than `max_age` seconds (a minute by default), fetched now if
    it is older; None when Discord could not confirm it.

    For what a person may do in a server: a change (a server's settings, a tournament's
    organiser pages) is authorized on a list at most a minute old, so that who lost Manage
    Server, or left, is refused within a minute; only showing a page may take
    `max_age=settings.GUILDS_MAX_AGE`.
    """
    row = request.session.row
    if _fresh(row, max_age):
        return row.guilds
    if refresh(request.session.session_key, min_age=max_age) in (None, RECENT):
        row.refresh_from_db(fields=["guilds", "guilds_fetched_at", "guilds_stale"])
        if _fresh(row, max_age):
            return row.guilds
    return None


def find_guild(guilds: list[dict[str, Any]], guild_id: int) -> dict[str, Any] | None:
    """The server `guild_id` from a person's list (they are in it), else None."""
    for guild in guilds:
        if parse_discord_id(str(guild.get("id", ""))) == guild_id:
            return guild
    return None


def managed_guild(guilds: list[dict[str, Any]], guild_id: int) -> dict[str, Any] | None:
    """The server `guild_id` from a person's list when they may manage it there (owner,
    Administrator or Manage Server), else None. Decide on confirmed_guilds' list."""
    guild = find_guild(guilds, guild_id)
    if guild is None:
        return None
    return guild if may_manage(guild.get("permissions"), owner=bool(guild.get("owner"))) else None
