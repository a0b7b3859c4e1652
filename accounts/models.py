"""People, the one-time OAuth states of login and bot install, and database sessions."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from accounts.crypto import EncryptedTextField
from fightrise import discord_api

if TYPE_CHECKING:
    from fightrise.discord_api import DiscordUser, PartialGuild, TokenGrant

logger = logging.getLogger(__name__)


class DiscordUserManager(UserManager):
    def sync_from_discord(self, discord_user: DiscordUser) -> User:
        """Create or update the person behind a Discord account (one row per Discord id)."""
        fields = {
            "discord_username": discord_user.username[:32],
            "display_name": discord_user.display_name[:100],
            "avatar_hash": discord_user.avatar or "",
            "discriminator": discord_user.discriminator[:4],
        }
        user, created = self.get_or_create(
            discord_id=discord_user.id,
            defaults={"username": f"discord-{discord_user.id}", **fields},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif any(getattr(user, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(user, name, value)
            user.save(update_fields=list(fields))
        return user


class User(AbstractUser):
    """A person. Discord users are keyed by `discord_id`; staff may have none and a password."""

    discord_id = models.PositiveBigIntegerField("Discord id", unique=True, null=True, blank=True)
    discord_username = models.CharField(max_length=32, blank=True, db_index=True)
    display_name = models.CharField(max_length=100, blank=True)
    avatar_hash = models.CharField(max_length=64, blank=True)
    # As of 2023-05, migrated users have discriminator "0"; legacy users keep four digits.
    discriminator = models.CharField(max_length=4, default="0")

    objects = DiscordUserManager()

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.display_name or self.discord_username or self.username

    @property
    def avatar_url(self) -> str:
        return discord_api.avatar_url(self.discord_id, self.avatar_hash, self.discriminator)


class InvalidState(Exception):
    """The OAuth state is missing, forged, expired, replayed, foreign or of another purpose."""


STATE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class OAuthStateManager(models.Manager["OAuthState"]):
    TTL = timedelta(minutes=10)
    # Pending states per browser: several tabs may log in at once, a script may not pile up rows.
    MAX_PENDING = 5
    PURGE_EVERY = 60  # seconds between purges of expired states and sessions as logins go

    def issue(
        self, *, browser: str, purpose: str, next_path: str = "", data: dict | None = None
    ) -> OAuthState:
        """A fresh state with a PKCE verifier, bound to this browser; the oldest past the cap go."""
        if cache.add("oauthstate:purged", True, self.PURGE_EVERY):
            purge_expired()
        state = self.create(
            state=secrets.token_urlsafe(32),
            purpose=purpose,
            browser=browser,
            code_verifier=secrets.token_urlsafe(64),
            next_path=next_path,
            data=data or {},
            expires_at=timezone.now() + self.TTL,
        )
        surplus = list(
            self.filter(browser=browser)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[self.MAX_PENDING :]
        )
        if surplus:
            self.filter(pk__in=surplus).delete()
        return state

    def consume(self, value: Any, *, purpose: str, browser: str | None) -> OAuthState:
        """Return the state and delete it, exactly once even under concurrent callbacks.

        Raises InvalidState when it is missing, forged, expired, already used, made in another
        browser or for another purpose. A state presented wrongly is burnt all the same.
        """
        if not isinstance(value, str) or not STATE_PATTERN.fullmatch(value):
            raise InvalidState("missing or malformed state")
        row = self.filter(state=value).first()
        if row is None:
            raise InvalidState("unknown or already used state")
        deleted, _ = self.filter(pk=row.pk).delete()
        if not deleted:
            raise InvalidState("state used by a concurrent request")
        if not browser or not secrets.compare_digest(row.browser, browser):
            raise InvalidState("state made in another browser")
        if row.purpose != purpose:
            raise InvalidState(f"state made for {row.purpose}, not {purpose}")
        if row.expires_at <= timezone.now():
            raise InvalidState("expired state")
        return row

    def purge_expired(self) -> int:
        deleted, _ = self.filter(expires_at__lte=timezone.now()).delete()
        return deleted


class OAuthState(models.Model):
    """A one-time OAuth `state`: proves that the callback comes back to the browser that left."""

    class Purpose(models.TextChoices):
        LOGIN = "login", "Login"
        BOT_INSTALL = "bot_install", "Bot install"

    state = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    # A random key kept in the browser's session: it survives the login's session-key rotation.
    browser = models.CharField(max_length=64, db_index=True)
    code_verifier = models.CharField(max_length=128)
    next_path = models.CharField(max_length=1000, blank=True)
    # What the flow asked Discord for, to check the callback against (e.g. bot permissions).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = OAuthStateManager()

    class Meta:
        verbose_name = "OAuth state"

    def __str__(self) -> str:
        return f"{self.purpose} state {self.state[:8]}..."

    @property
    def code_challenge(self) -> str:
        """PKCE S256: base64url(sha256(verifier)) without padding (RFC 7636)."""
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class GrantRevoked(Exception):
    """Discord no longer honours this session's tokens: the person must log in again."""


TOKEN_FIELDS = ("access_token", "refresh_token")
_sleep = time.sleep


class SessionManager(BaseSessionManager):
    # Refresh the access token when it has less than this left.
    REFRESH_MARGIN = timedelta(minutes=10)
    # How long a worker that lost a race for a refresh token waits for the winner to save.
    WINNER_SAVE_WAIT = 5.0

    def for_key(self, session_key: str | None) -> models.QuerySet[Session]:
        return self.filter(session_key=session_key or "")

    def refresh_lease(self) -> timedelta:
        """Longer than the longest refresh: requests applies the timeout to the connection
        and again to each read, and a short 429 is tried a second time."""
        seconds = 2 * (2 * settings.DISCORD_TIMEOUT) + discord_api.MAX_RETRY_WAIT + 10
        return timedelta(seconds=seconds)

    def fresh_access_token(self, session_key: str) -> str:
        """A valid access token for the session, refreshed first when it is near expiry.

        Discord rotates refresh tokens, so two workers must never spend the same one: a
        refresh runs under a lease taken with a conditional UPDATE, and whoever does not
        hold it waits for the new token. No transaction stays open across the HTTP call, so
        SQLite's write lock is never held while Discord thinks. Should a worker stall past
        its lease and another spend the same refresh token, Discord refuses one of the two:
        the loser takes the winner's tokens instead of ending the session.
        Raises GrantRevoked when there is no grant or Discord refuses the refresh token.
        """
        # Waiting for another worker's refresh: as long as a request may wait for Discord.
        deadline = time.monotonic() + 2 * settings.DISCORD_TIMEOUT + 5
        while True:
            session = self._token_row(session_key)
            if session.has_fresh_token(self.REFRESH_MARGIN):
                return session.access_token
            lease, took_over = self._take_lease(session.pk)
            if lease:
                break
            if time.monotonic() > deadline:
                raise discord_api.DiscordUnavailable("another worker's token refresh did not end")
            _sleep(0.1)
        mine = self.filter(pk=session.pk, token_refresh_until=lease)
        try:
            # Read again under the lease: a refresh may have finished since the first read.
            session = self._token_row(session_key)
            if session.has_fresh_token(self.REFRESH_MARGIN):
                return session.access_token
            if not session.refresh_token:
                raise GrantRevoked("no refresh token")
            spent = session.refresh_token
            try:
                grant = discord_api.refresh_grant(spent)
            except discord_api.InvalidGrant as exc:
                contested = took_over or not mine.exists()
                newer = self._newer_token(session_key, spent, self.WINNER_SAVE_WAIT * contested)
                if newer:
                    return newer
                raise GrantRevoked("Discord refused the refresh token") from exc
            session.set_grant(grant)
            saved = self.filter(pk=session.pk).update(
                **{name: getattr(session, name) for name in ("token_expires_at", *TOKEN_FIELDS)}
            )
            if not saved:
                # Logged out meanwhile, revoking the token just spent: revoke the new one.
                self._release_grant(session)
                raise GrantRevoked("the session ended while its token was refreshed")
            logger.info("Refreshed the Discord token of session %s", session.pk)
            return session.access_token
        finally:
            mine.update(token_refresh_until=None)  # only our own lease, never a successor's

    def _take_lease(self, pk: int) -> tuple[Any, bool]:
        """(the lease taken or None, whether it was taken over from a worker that overran)."""
        now = timezone.now()
        lease = now + self.refresh_lease()
        rows = self.filter(pk=pk)
        if rows.filter(token_refresh_until__isnull=True).update(token_refresh_until=lease):
            return lease, False
        if rows.filter(token_refresh_until__lt=now).update(token_refresh_until=lease):
            logger.warning("Took over the token refresh lease of session %s", pk)
            return lease, True
        return None, False

    def _newer_token(self, session_key: str, spent: str, wait: float) -> str | None:
        """The access token saved by whoever spent `spent` first, waiting up to `wait` s."""
        deadline = time.monotonic() + wait
        while True:
            session = self._token_row(session_key)
            if session.refresh_token != spent and session.has_fresh_token(self.REFRESH_MARGIN):
                return session.access_token
            if time.monotonic() >= deadline:
                return None
            _sleep(0.1)

    def _token_row(self, session_key: str) -> Session:
        try:
            return self.only("user_id", "token_expires_at", *TOKEN_FIELDS).get(
                session_key=session_key
            )
        except self.model.DoesNotExist:
            raise GrantRevoked("the session has ended") from None

    def store_guilds(self, session_key: str, guilds: list[PartialGuild]) -> None:
        self.for_key(session_key).update(**Session.snapshot_values(guilds))

    def mark_guilds_stale(self, session_key: str) -> None:
        self.for_key(session_key).update(guilds_stale=True)

    def end(self, sessions: models.QuerySet[Session], *, retry_later: bool = False) -> int:
        """Delete the sessions, revoking the person's Discord authorization (best effort)
        when no other live session of theirs uses it.

        Each session is deleted before that question is asked, so that of two last sessions
        ending at once at least one sees the other gone and revokes. With `retry_later` (the
        purge of expired sessions) the order is the other way round: the first grant Discord
        cannot be asked about (down, slow or rate limited) stops the run, and that session
        and the rest stay for the next one.
        """
        ended = 0
        # A plain query for what is needed: `sessions` may come deferred or annotated (admin).
        rows = self.filter(pk__in=sessions.values("pk")).only("pk", "user_id", *TOKEN_FIELDS)
        for session in rows.order_by("pk"):
            if retry_later:
                if not self._release_grant(session):
                    break
                ended += self.filter(pk=session.pk).delete()[0]
            else:
                ended += self.filter(pk=session.pk).delete()[0]
                self._release_grant(session)
        return ended

    def _release_grant(self, session: Session) -> bool:
        """Revoke the session's grant at Discord unless another live session of the person
        uses it. False only when Discord could not be asked (worth another try later)."""
        return self._authorization_used_elsewhere(session) or session.revoke_grant()

    def _authorization_used_elsewhere(self, session: Session) -> bool:
        """Whether another live session of the same person holds a usable Discord grant.

        Discord keeps one authorization per person and application, and revoking any of its
        tokens revokes all of them: revoking now would sign the person out there too.
        Tokens that no configured key opens any more do not count.
        """
        if session.user_id is None:
            return False
        others = (
            self.filter(user_id=session.user_id, expire_date__gt=timezone.now())
            .exclude(pk=session.pk)
            .exclude(access_token="", refresh_token="")
            .only(*TOKEN_FIELDS)
        )
        return any(other.access_token or other.refresh_token for other in others)

    def purge_expired(self, *, revoke: bool = False, now: datetime | None = None) -> int:
        """Delete expired sessions; returns how many.

        Those without a Discord grant (anonymous, or ended by Discord) go at once. Those
        holding one are revoked at Discord first, and only when `revoke` is set (the daily
        command): a request never calls Discord for sessions that are not its own.
        """
        expired = self.filter(expire_date__lte=now or timezone.now())
        deleted, _ = expired.filter(access_token="", refresh_token="").delete()
        if revoke:
            deleted += self.end(expired, retry_later=True)
        return deleted


class Session(AbstractBaseSession):
    """A browser's session: who, since when, from where, and their Discord grant.

    The Discord tokens are Fernet-encrypted at rest and kept out of `session_data`. The
    primary key is a plain number, so that the session key (the cookie's value) never
    appears in an admin URL, a form or a log line.
    """

    id = models.BigAutoField(primary_key=True)
    session_key = models.CharField("session key", max_length=40, unique=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # The person's servers from GET /users/@me/guilds, as Discord sent them.
    guilds = models.JSONField(default=list, blank=True)
    guilds_fetched_at = models.DateTimeField(null=True, blank=True)
    guilds_stale = models.BooleanField(default=False)
    # Set while one worker refreshes the tokens (see SessionManager.fresh_access_token).
    token_refresh_until = models.DateTimeField(null=True, blank=True)

    objects = SessionManager()

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"
        indexes = [models.Index(fields=["user", "expire_date"])]

    @classmethod
    def get_session_store_class(cls):
        from accounts.sessions import SessionStore

        return SessionStore

    def __str__(self) -> str:
        return f"Session {self.pk} of {self.user or 'nobody'}"

    @property
    def is_active(self) -> bool:
        return self.expire_date > timezone.now()

    def has_fresh_token(self, margin: timedelta) -> bool:
        return bool(
            self.access_token
            and self.token_expires_at
            and self.token_expires_at - margin > timezone.now()
        )

    @staticmethod
    def snapshot_values(guilds: list[PartialGuild]) -> dict[str, Any]:
        """The columns of a fresh server list snapshot."""
        return {
            "guilds": [guild.to_snapshot() for guild in guilds],
            "guilds_fetched_at": timezone.now(),
            "guilds_stale": False,
        }

    def set_grant(self, grant: TokenGrant) -> None:
        self.access_token = grant.access_token
        # Discord issues a new refresh token with every refresh; the old one stops working.
        self.refresh_token = grant.refresh_token or self.refresh_token
        self.token_expires_at = grant.expires_at

    def revoke_grant(self) -> bool:
        """Ask Discord to revoke this session's authorization; never raises.

        False when Discord could not be asked (down, timed out, rate limited): worth another
        try later. A refusal (the grant is already gone) counts as done.
        """
        token, hint = self.refresh_token, "refresh_token"
        if not token:
            token, hint = self.access_token, "access_token"
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


def purge_expired(*, revoke: bool = False, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired OAuth states and expired sessions (anonymous sessions made only to
    start a login expire within 30 minutes); returns how many of each. With `revoke`, expired
    sessions that hold a Discord grant are revoked and deleted too (see purge_expired)."""
    return OAuthState.objects.purge_expired(), Session.objects.purge_expired(revoke=revoke, now=now)
