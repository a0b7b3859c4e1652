"""A session's Discord grant over its life: refreshed under a lease, revoked when the last
session that uses it ends, and revoked before an expired session is purged.

Discord keeps one authorization per person and application, rotates the refresh token at
every refresh, and revoking any token of an authorization revokes all of them (docs:
topics/oauth2). The rows live in accounts.models; the calls to Discord and the waiting live
here.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.crypto import TokenUnreadable
from accounts.models import TOKEN_FIELDS, OAuthState, Session
from fightrise import discord_api

logger = logging.getLogger(__name__)

# Refresh the access token when it has less than this left.
REFRESH_MARGIN = timedelta(minutes=10)
# How long a worker that lost a race for a refresh token waits for the winner to save.
WINNER_SAVE_WAIT = 5.0
_sleep = time.sleep


class GrantRevoked(Exception):
    """Discord no longer honours this session's tokens: the person must log in again."""


def refresh_lease() -> timedelta:
    """How long a worker may hold a session's refresh: longer than the longest refresh."""
    return timedelta(seconds=discord_api.call_budget() + 10)


def fresh_access_token(session_key: str) -> str:
    """A valid access token for the session, refreshed first when it is near expiry.

    Discord rotates refresh tokens, so two workers must never spend the same one: a refresh
    runs under a lease taken with a conditional UPDATE, and whoever does not hold it waits
    for the new token. No transaction stays open across the HTTP call, so SQLite's write
    lock is never held while Discord thinks. Should a worker stall past its lease and
    another spend the same refresh token, Discord refuses one of the two: the loser takes
    the winner's tokens instead of ending the session.
    Raises GrantRevoked when there is no grant or Discord refuses the refresh token, and
    TokenUnreadable when no key here opens the tokens (the grant may be fine: keep it).
    """
    # Waiting for another worker's refresh: as long as that refresh may take.
    deadline = time.monotonic() + discord_api.call_budget()
    while True:
        session = _token_row(session_key)
        if session.has_fresh_token(REFRESH_MARGIN):
            return session.access_token
        lease, took_over = _take_lease(session.pk)
        if lease:
            break
        if time.monotonic() > deadline:
            raise discord_api.DiscordUnavailable("another worker's token refresh did not end")
        _sleep(0.1)
    mine = Session.objects.filter(pk=session.pk, token_refresh_until=lease)
    try:
        # Read again under the lease: a refresh may have finished since the first read.
        session = _token_row(session_key)
        if session.has_fresh_token(REFRESH_MARGIN):
            return session.access_token
        if not session.refresh_token:
            raise GrantRevoked("no refresh token")
        spent = session.refresh_token
        try:
            grant = discord_api.refresh_grant(spent)
        except discord_api.InvalidGrant as exc:
            contested = took_over or not mine.exists()
            newer = _newer_token(session_key, spent, WINNER_SAVE_WAIT * contested)
            if newer:
                return newer
            raise GrantRevoked("Discord refused the refresh token") from exc
        session.set_grant(grant)
        saved = Session.objects.filter(pk=session.pk).update(
            **{name: getattr(session, name) for name in ("token_expires_at", *TOKEN_FIELDS)}
        )
        if not saved:
            # Logged out meanwhile, revoking the token just spent: revoke the new one.
            release(session)
            raise GrantRevoked("the session ended while its token was refreshed")
        logger.info("Refreshed the Discord token of session %s", session.pk)
        return session.access_token
    finally:
        mine.update(token_refresh_until=None)  # only our own lease, never a successor's


def _take_lease(pk: int) -> tuple[Any, bool]:
    """(the lease taken or None, whether it was taken over from a worker that overran)."""
    now = timezone.now()
    lease = now + refresh_lease()
    rows = Session.objects.filter(pk=pk)
    if rows.filter(token_refresh_until__isnull=True).update(token_refresh_until=lease):
        return lease, False
    if rows.filter(token_refresh_until__lt=now).update(token_refresh_until=lease):
        logger.warning("Took over the token refresh lease of session %s", pk)
        return lease, True
    return None, False


def _newer_token(session_key: str, spent: str, wait: float) -> str | None:
    """The access token saved by whoever spent `spent` first, waiting up to `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        session = _token_row(session_key)
        if session.refresh_token != spent and session.has_fresh_token(REFRESH_MARGIN):
            return session.access_token
        if time.monotonic() >= deadline:
            return None
        _sleep(0.1)


def _token_row(session_key: str) -> Session:
    try:
        session = Session.objects.only("user_id", "token_expires_at", *TOKEN_FIELDS).get(
            session_key=session_key
        )
    except Session.DoesNotExist:
        raise GrantRevoked("the session has ended") from None
    if session.grant_unreadable:
        logger.error(UNREADABLE, session.pk, "kept as it is")
        raise TokenUnreadable(f"session {session.pk}")
    return session


UNREADABLE = (
    "Session %s holds Discord tokens that no key in TOKEN_ENCRYPTION_KEYS opens (is a key "
    "missing from this process's list?); %s"
)


def end_sessions(sessions: models.QuerySet[Session], *, retry_later: bool = False) -> int:
    """Delete the sessions, revoking the person's Discord authorization (best effort) when
    no other live session of theirs uses it; returns how many ended.

    Each session is deleted before that question is asked, so that of two last sessions
    ending at once at least one sees the other gone and revokes. With `retry_later` (the
    purge of expired sessions) the order is the other way round: the first grant Discord
    cannot be asked about (down, slow or rate limited) stops the run, and that session and
    the rest stay for the next one.

    A session whose tokens no key here opens cannot be revoked here, and its grant is not
    known to be gone: it is ended for the person (no cookie names it, it has expired) but
    kept with its tokens for a purge whose keys open them; the purge skips it meanwhile.
    """
    ended = 0
    # A plain query for what is needed: `sessions` may come deferred or annotated (admin).
    rows = Session.objects.filter(pk__in=sessions.values("pk")).only("pk", "user_id", *TOKEN_FIELDS)
    unreadable = []
    for session in rows.order_by("pk"):
        if session.grant_unreadable:
            # Only a process whose keys open the tokens can revoke the grant: the row stays
            # for the purge, ended for the person (no cookie names it any more).
            unreadable.append(session.pk)
            if not retry_later:
                ended += _set_aside(session)
                logger.error(UNREADABLE, session.pk, "ended, its grant left to purge_expired")
            continue
        if retry_later:
            if not release(session):
                break
            ended += Session.objects.filter(pk=session.pk).delete()[0]
        else:
            ended += Session.objects.filter(pk=session.pk).delete()[0]
            release(session)
    if unreadable and retry_later:
        logger.error(
            "Kept %d expired session(s) whose Discord tokens no key in TOKEN_ENCRYPTION_KEYS "
            "opens, to revoke them once a key does; if that key is lost for good, run "
            "`manage.py rotate_token_keys --drop-unreadable`",
            len(unreadable),
        )
    return ended


def _set_aside(session: Session) -> int:
    """End a session for the person now and keep its tokens for the purge to revoke."""
    return Session.objects.filter(pk=session.pk).update(
        session_key=f"ended-{get_random_string(32)}",
        session_data="",
        expire_date=timezone.now(),
    )


def release(session: Session) -> bool:
    """Revoke the session's grant at Discord unless another live session of the person uses
    it. False only when Discord could not be asked (worth another try later)."""
    return Session.objects.grant_used_elsewhere(session) or revoke(session)


def revoke(session: Session) -> bool:
    """Ask Discord to revoke this session's authorization; never raises.

    False when Discord could not be asked (down, timed out, rate limited): worth another try
    later. A refusal (the grant is already gone) counts as done. Tokens no key here opens
    are not sent: that is False too.
    """
    if session.grant_unreadable:
        return False
    token, hint = session.refresh_token, "refresh_token"
    if not token:
        token, hint = session.access_token, "access_token"
    if not token:
        return True
    try:
        discord_api.revoke_token(token, token_type_hint=hint)
    except (discord_api.DiscordUnavailable, discord_api.DiscordRateLimited) as exc:
        logger.warning("Could not reach Discord to revoke the grant of a session: %s", exc)
        return False
    except discord_api.DiscordError as exc:
        logger.warning("Discord refused to revoke the grant of a session: %s", exc)
    return True


def purge_expired(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired OAuth states and sessions; returns how many of each.

    Expired sessions that still hold a Discord grant are revoked at Discord first (unless the
    person is signed in elsewhere); the first that Discord cannot be asked about stops the run
    and stays, with the rest, for the next one. `manage.py purge_expired` and
    `clearsessions` run this; requests run only the part without Discord
    (accounts.models.purge_expired).
    """
    now = now or timezone.now()
    states = OAuthState.objects.purge_expired()
    sessions = Session.objects.purge_expired_without_grant(now)
    sessions += end_sessions(Session.objects.filter(expire_date__lte=now), retry_later=True)
    return states, sessions
