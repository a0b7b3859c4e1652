"""Shared fixtures: small factories and helpers for every test module."""

from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache
from django.utils import translation

from fightrise.logs import FORMAT, RedactSecretsFilter
from tests.discord_payloads import ACCESS_TOKEN, CODE, GUILDS, REFRESH_TOKEN, SECRETS, USER_ID
from tests.fake_discord import FakeDiscord

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache (rate limits, locks), whatever the backend."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English, the default language: a request leaves its language
    active in the thread (LocaleMiddleware activates it and nothing deactivates it)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def run_manage():
    """Run `manage.py <args>` in a fresh process with `env` laid over the test environment."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
        return subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=BASE_DIR,
            check=False,
        )

    return run


@pytest.fixture
def run_python():
    """Run a Python snippet in a fresh process with `env` laid over the test environment."""

    def run(code: str, env: dict[str, str] | None = None, timeout: float = 60):
        return subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONPATH": str(BASE_DIR), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=BASE_DIR,
            check=False,
        )

    return run


def cache_keys() -> list[str]:
    """Every key in the cache as the backend stores it (local memory or Redis)."""
    backend = cache._cache
    if hasattr(backend, "get_client"):  # Django's Redis backend
        return [key.decode() for key in backend.get_client().keys("*")]
    return list(backend)


def run_together(count: int, target) -> list:
    """Run `target()` in `count` threads released at the same instant; return their results.

    Each thread closes its database connection, as a request thread would.
    """
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results: list = []

    def run():
        barrier.wait()
        try:
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(caplog):
    """No log line the test produced, as the site prints it, holds a whole token or code."""
    caplog.set_level(logging.DEBUG)
    yield
    redactor = RedactSecretsFilter()
    formatter = logging.Formatter(FORMAT)
    for record in caplog.records:
        record = copy.copy(record)
        redactor.filter(record)
        line = formatter.format(record)
        leaked = [secret for secret in SECRETS if secret in line]
        assert not leaked, f"log line leaks a secret: {line!r}"


@pytest.fixture
def fake_discord():
    """Discord faked at its real URLs; a call nobody registered, or one never made, fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield FakeDiscord(mock)


def state_from(response) -> str:
    """The `state` of a redirect to Discord's authorize page."""
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


@pytest.fixture
def log_in(client, fake_discord):
    """Log `client` in through the real views, with Discord faked; returns the callback."""

    def run(*, next_path: str | None = None, guilds=None, client=client):
        from accounts.models import OAuthState

        start = client.get("/auth/login/", {"next": next_path} if next_path else {})
        state = state_from(start)
        fake_discord.login(
            verifier=OAuthState.objects.get(state=state).code_verifier, guilds=guilds
        )
        return client.get("/auth/callback/", {"code": CODE, "state": state})

    return run


@pytest.fixture
def make_user(django_user_model):
    """A person who has logged in with Discord before."""

    def make(*, discord_id: int = USER_ID, **fields):
        defaults = {
            "username": f"discord-{discord_id}",
            "discord_username": "nelly",
            "display_name": "Nelly",
            "avatar_hash": "",
        }
        return django_user_model.objects.create(discord_id=discord_id, **{**defaults, **fields})

    return make


@pytest.fixture
def sign_in(make_user, settings):
    """Give `client` a signed-in session directly in the database (no OAuth round trip)."""
    from fightrise.discord_api import PartialGuild
    from tests.factories import signed_in_session

    def sign(
        client,
        *,
        user=None,
        guilds=None,
        access_token: str = ACCESS_TOKEN,
        refresh_token: str = REFRESH_TOKEN,
        expires_in: int = 604800,
        list_age: float = 0,
    ):
        """`list_age`: seconds since the server list came from Discord."""
        raw = GUILDS if guilds is None else guilds
        key = signed_in_session(
            user or make_user(),
            [PartialGuild.from_raw(guild) for guild in raw],
            access_token=access_token,
            refresh_token=refresh_token,
            expires_in=expires_in,
            list_age=list_age,
        )
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        return key

    return sign
