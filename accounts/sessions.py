"""The session engine (SESSION_ENGINE = "accounts.sessions"): Django's database sessions on our
model, which also records who, when and from where, and carries the Discord grant."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils import timezone

from accounts.models import TOKEN_FIELDS, Session

# Columns an ordinary save writes; the grant columns only when a new grant is set.
SAVED_FIELDS = ["session_data", "expire_date", "user", "last_seen", "ip_address", "user_agent"]
GRANT_FIELDS = [*TOKEN_FIELDS, "token_expires_at", "guilds", "guilds_fetched_at", "guilds_stale"]


class SessionStore(DBStore):
    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        # The loaded row (without tokens), so pages can read the server list for free.
        self.row: Session | None = None
        # Set by SessionActivityMiddleware for the request being served.
        self.client_ip: str | None = None
        self.user_agent: str = ""
        self._grant: dict[str, Any] = {}

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    @classmethod
    def clear_expired(cls) -> None:
        """`manage.py clearsessions`: the same purge as `purge_expired`, grants revoked."""
        from accounts import grants

        grants.purge_expired()

    def _get_session_from_db(self) -> Session | None:
        try:
            self.row = self.model.objects.defer(*TOKEN_FIELDS).get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as exc:
            if isinstance(exc, SuspiciousOperation):
                logging.getLogger(f"django.security.{type(exc).__name__}").warning(str(exc))
            self._session_key = None
            self.row = None
        return self.row

    def set_discord_grant(self, grant, guilds) -> None:
        """Keep a new Discord grant and server list with this session on its next save."""
        self._grant = {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "token_expires_at": grant.expires_at,
            **Session.server_list_values(guilds),
        }
        self.modified = True

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        session.user_id = int(user_id) if user_id else None
        session.last_seen = timezone.now()
        session.ip_address = self.client_ip
        session.user_agent = self.user_agent
        for name, value in self._grant.items():
            setattr(session, name, value)
        return session

    def save(self, must_create: bool = False) -> None:
        """Django's save, except that an update writes only our columns, never stale tokens,
        and finds the row by its session key (the primary key is a surrogate)."""
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        session = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=session)
        if must_create:
            try:
                with transaction.atomic(using=using):
                    session.save(force_insert=True, using=using)
            except IntegrityError:
                raise CreateError from None
        else:
            fields = SAVED_FIELDS + (GRANT_FIELDS if self._grant else [])
            attnames = [self.model._meta.get_field(name).attname for name in fields]
            values = {attname: getattr(session, attname) for attname in attnames}
            try:
                rows = self.model.objects.db_manager(using).for_key(self.session_key)
                updated = rows.update(**values)
            except DatabaseError:
                raise UpdateError from None
            if not updated:
                raise UpdateError  # the session was ended meanwhile (logout, admin)
        self._grant = {}
