"""Shared fixtures: small factories and helpers for every test module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache (rate limits, locks), whatever the backend."""
    cache.clear()
    yield
    cache.clear()


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
