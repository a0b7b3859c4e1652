"""Sessions made directly in the database, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone

from accounts.models import Session
from accounts.sessions import SessionStore
from fightrise.discord_api import PartialGuild, TokenGrant


def signed_in_session(
    user,
    guilds: Iterable[PartialGuild],
    *,
    access_token: str = "access",
    refresh_token: str = "refresh",
    expires_in: int = 604800,
    list_age: float = 0,
) -> str:
    """A session as a login leaves it (user, grant, server list fetched `list_age` seconds
    ago); returns its key."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    grant = TokenGrant(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=timezone.now() + timedelta(seconds=expires_in),
        scope=("identify", "guilds"),
    )
    store.set_discord_grant(grant, list(guilds))
    store.create()
    if list_age:
        Session.objects.for_key(store.session_key).update(
            guilds_fetched_at=timezone.now() - timedelta(seconds=list_age)
        )
    return store.session_key


def anonymous_session(key: str, *, expires_in: timedelta) -> str:
    """A session row with no one signed in and no grant, expiring `expires_in` from now
    (negative: already expired); returns its key."""
    Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )
    return key
