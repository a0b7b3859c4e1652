"""Shared by the benchmarks: a fresh database, discordsim, the site as the Procfile runs it."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from discordsim import sample  # noqa: E402
from discordsim.testing import SimClient  # noqa: E402
from tests.outage import press_authorize  # noqa: E402
from tests.servers import Process, free_port, gunicorn, wait_until_up  # noqa: E402

WORKDIR = Path(tempfile.mkdtemp(prefix="fightrise-bench-"))
SIM_PORT = free_port()
SIM_URL = f"http://127.0.0.1:{SIM_PORT}"

# The site and the bot as in production (DEBUG off), over plain HTTP on loopback, against
# discordsim. BENCH_DATABASE_URL picks PostgreSQL; the default is a SQLite file.
ENVIRONMENT = {
    "ENV_FILE": "",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}"),
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "locmemcache://"),
    "DISCORD_BASE_URL": SIM_URL,
    "DISCORD_CDN_URL": SIM_URL,
    "DISCORD_CLIENT_ID": sample.CLIENT_ID,
    "DISCORD_CLIENT_SECRET": sample.CLIENT_SECRET,
    "DISCORD_BOT_TOKEN": sample.BOT_TOKEN,
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "fightrise.settings",
}
os.environ.update(ENVIRONMENT)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def prepare_database() -> None:
    call_command("migrate", verbosity=0)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def runbot(*options: str) -> Process:
    """`manage.py runbot` with `options`, as production runs it, logging at INFO to
    runbot.log in the bench's directory (its .log); close() stops it, killing it if need be."""
    env = {**os.environ, **ENVIRONMENT, "LOG_LEVEL": "INFO"}
    return Process(
        [sys.executable, "manage.py", "runbot", *options], env, log=WORKDIR / "runbot.log"
    )


@contextlib.contextmanager
def discordsim(scenario: dict | None = None) -> Iterator[SimClient]:
    """discordsim in its own process, loaded with `scenario` (the sample one by default)."""
    args = [sys.executable, "-m", "discordsim", "--host", "127.0.0.1", "--port", str(SIM_PORT)]
    if scenario is not None:
        path = WORKDIR / "scenario.json"
        path.write_text(json.dumps(scenario))
        args += ["--scenario", str(path)]
    log = (WORKDIR / "discordsim.log").open("wb")
    process = subprocess.Popen(args, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"{SIM_URL}/api/v10/gateway", process=process)
        yield SimClient(SIM_URL)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def site(sim: SimClient, env: dict[str, str] | None = None, **options) -> Iterator:
    """The site under gunicorn with gunicorn.conf.py's defaults, as the Procfile runs it;
    `env` is laid over the benchmarks' shared settings."""
    environment = {**ENVIRONMENT, **(env or {})}
    with gunicorn(env=environment, workers=None, threads=None, **options) as server:
        sim.set_redirect_uris(sample.site_redirect_uris(server.url))
        yield server


class Browser:
    """Cookies and no automatic redirects, like a browser driven step by step."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def get(self, url: str) -> tuple[int, str, str]:
        """GET: status, Location (for a redirect) and body."""
        try:
            with self.opener.open(url, timeout=30) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == name)


def consent(browser: Browser, site_url: str, sim: SimClient, user_id: str) -> tuple[str, dict]:
    """Start a login and press Authorize as `user_id`: the callback URL and Discord's params."""
    status, location, _ = browser.get(f"{site_url}/auth/login/")
    assert status == 302, status
    return press_authorize(sim, location, user_id)


def log_in(browser: Browser, site_url: str, sim: SimClient, user_id: str) -> float:
    """A whole login as `user_id`; returns the seconds the callback took."""
    callback, _ = consent(browser, site_url, sim, user_id)
    started = time.perf_counter()
    status, location, _ = browser.get(callback)
    elapsed = time.perf_counter() - started
    assert status == 302 and location == "/dashboard/", (status, location)
    return elapsed
