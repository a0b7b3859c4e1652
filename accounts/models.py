"""People, the one-time OAuth states of login and bot install, and database sessions.

Schema and small queries only: what a session's Discord grant goes through (refresh,
revocation, the purge) is in accounts.grants.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from accounts.crypto import EncryptedTextField, UnreadableToken
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
    # The language they chose on the site's switcher (a code of settings.LANGUAGES), set again
    # in the browser at each login; empty while they have chosen none (accounts.languages).
    language = models.CharField(max_length=16, blank=True)

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


TOKEN_FIELDS = ("access_token", "refresh_token")


class SessionManager(BaseSessionManager):
    def for_key(self, session_key: str | None) -> models.QuerySet[Session]:
        return self.filter(session_key=session_key or "")

    def store_server_list(self, session_key: str, guilds: list[PartialGuild]) -> None:
        self.for_key(session_key).update(**Session.server_list_values(guilds))

    def mark_server_list_stale(self, session_key: str) -> None:
        self.for_key(session_key).update(guilds_stale=True)

    def grant_used_elsewhere(self, session: Session) -> bool:
        """Whether another live session of the same person holds a Discord grant.

        Discord keeps one authorization per person and application, and revoking any of its
        tokens revokes all of them: revoking now would sign the person out there too.
        Tokens that no key here opens count: another worker may have the key (ours may be
        missing one), and only `rotate_token_keys --drop-unreadable` declares them lost.
        """
        if session.user_id is None:
            return False
        others = (
            self.filter(user_id=session.user_id, expire_date__gt=timezone.now())
            .exclude(pk=session.pk)
            .exclude(access_token="", refresh_token="")
            .only(*TOKEN_FIELDS)
        )
        for other in others:
            if other.grant_unreadable:
                logger.warning(
                    "Session %s holds Discord tokens that no key in TOKEN_ENCRYPTION_KEYS "
                    "opens; the grant it may use is not revoked",
                    other.pk,
                )
            return True
        return False

    def purge_expired_without_grant(self, now: datetime | None = None) -> int:
        """Delete expired sessions that hold no Discord grant (anonymous, or ended by
        Discord); returns how many. Those holding one wait for accounts.grants.purge_expired,
        which revokes first: a request never calls Discord for sessions not its own."""
        expired = self.filter(expire_date__lte=now or timezone.now())
        return expired.filter(access_token="", refresh_token="").delete()[0]


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
    # Set while one worker refreshes the tokens (see accounts.grants.fresh_access_token).
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

    @property
    def grant_unreadable(self) -> bool:
        """Whether a token is stored that no configured key opens (not the same as none)."""
        return any(isinstance(getattr(self, name), UnreadableToken) for name in TOKEN_FIELDS)

    def has_fresh_token(self, margin: timedelta) -> bool:
        return bool(
            not self.grant_unreadable
            and self.access_token
            and self.token_expires_at
            and self.token_expires_at - margin > timezone.now()
        )

    @staticmethod
    def server_list_values(guilds: list[PartialGuild]) -> dict[str, Any]:
        """The columns of a server list fresh from Discord."""
        return {
            "guilds": [guild.to_json() for guild in guilds],
            "guilds_fetched_at": timezone.now(),
            "guilds_stale": False,
        }

    def set_grant(self, grant: TokenGrant) -> None:
        self.access_token = grant.access_token
        # Discord issues a new refresh token with every refresh; the old one stops working.
        self.refresh_token = grant.refresh_token or self.refresh_token
        self.token_expires_at = grant.expires_at


def purge_expired(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired OAuth states and the expired sessions that hold no Discord grant
    (anonymous sessions made only to start a login expire within 30 minutes); returns how
    many of each. No call to Discord: accounts.grants.purge_expired does the rest."""
    return OAuthState.objects.purge_expired(), Session.objects.purge_expired_without_grant(now)
