"""End-to-end fixtures: discordsim on loopback, the site under gunicorn, the bot, chromium."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from discordsim import sample
from discordsim.testing import SimClient, running_sim
from tests.e2e import a11y
from tests.servers import BASE_DIR, Process, database_url, gunicorn, subprocess_environ

ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 780}
# discord.py chooses its gateway compression once, when discord.utils is imported: zstd-stream
# when zstandard (or Python 3.14's compression.zstd) imports, zlib-stream otherwise. A None in
# sys.modules makes those imports fail, so this runs manage.py as `python manage.py` would run
# on a host without zstandard; nothing else differs.
WITHOUT_ZSTD = (
    "import runpy, sys; "
    "sys.modules['zstandard'] = sys.modules['compression.zstd'] = None; "
    "sys.argv[0] = 'manage.py'; "
    "runpy.run_path('manage.py', run_name='__main__')"
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def sim() -> Iterator[SimClient]:
    """discordsim with its sample people and servers, on a free loopback port."""
    with running_sim() as client:
        yield client


def discord_env(sim: SimClient) -> dict[str, str]:
    """The environment that points the site or the bot at discordsim."""
    return {
        "DISCORD_BASE_URL": sim.url,
        "DISCORD_CDN_URL": sim.url,
        "DISCORD_CLIENT_ID": sample.CLIENT_ID,
        "DISCORD_CLIENT_SECRET": sample.CLIENT_SECRET,
        "DISCORD_BOT_TOKEN": sample.BOT_TOKEN,
        # As in production: the site reads "Requires OAuth2 Code Grant" from Discord.
        "DISCORD_BOT_REQUIRE_CODE_GRANT": "",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def site(sim, transactional_db) -> Iterator[str]:
    """The site under gunicorn as the Procfile runs it, signing in with discordsim.

    At the end, no line gunicorn printed may hold a whole state, code or token of the run.
    """
    with gunicorn(env=discord_env(sim), workers=2, threads=4) as server:
        url = server.url
        sim.set_redirect_uris(sample.site_redirect_uris(url))
        yield url
        assert_no_secrets(server.log.read_text(errors="replace"), secrets_seen_by(sim))
    assert_none_refused(sim)


def secrets_seen_by(sim: SimClient) -> set[str]:
    """Every state, code and token of this run: the codes and tokens discordsim handed out,
    the app's own secrets, and the states and PKCE verifiers the site sent it."""
    found = {sample.CLIENT_SECRET, sample.BOT_TOKEN, *sim.issued_secrets()}
    for entry in sim.requests():
        fields = {**entry["query"], **(entry["body"] if entry["body_type"] == "form" else {})}
        found |= {str(fields[name]) for name in ("state", "code_verifier") if fields.get(name)}
    return {secret for secret in found if len(secret) > 8}


def assert_none_refused(sim: SimClient) -> None:
    """discordsim refused no call for its User-Agent, as Cloudflare would have (403, 40333)."""
    refused = [f"{e['method']} {e['path']}" for e in sim.requests() if e["refused"]]
    assert not refused, f"refused for their User-Agent: {refused}"


def assert_no_secrets(log: str, secrets: set[str]) -> None:
    leaked = sorted(secret[:8] for secret in secrets if secret in log)
    assert not leaked, f"the log holds whole secrets starting {leaked}"


@pytest.fixture
def start_bot(sim, transactional_db):
    """Start `manage.py runbot` (with options) against discordsim; stopped at the end.

    compress="zlib-stream" runs it with zstandard hidden, so discord.py falls back to zlib.
    """
    started: list[Process] = []

    def start(*options: str, compress: str = "zstd-stream") -> Process:
        env = {**subprocess_environ(), **discord_env(sim), "DATABASE_URL": database_url()}
        manage = {"zstd-stream": ["manage.py"], "zlib-stream": ["-c", WITHOUT_ZSTD]}[compress]
        process = Process([sys.executable, *manage, "runbot", *options], env)
        started.append(process)
        return process

    yield start
    secrets = secrets_seen_by(sim)
    for process in started:
        output = process.output()
        process.close()
        if process.popen.returncode not in (0, None, -signal.SIGTERM):
            sys.stderr.write(output)
        assert_no_secrets(output, secrets)
    assert_none_refused(sim)


@pytest.fixture
def hq(sim, monkeypatch):
    """FightRise HQ with sixteen more players, fast rate-limit windows, and the bot's pace
    set for tests (tests/e2e/discordplay.py); returns the players' ids, seed order."""
    from tests.e2e.discordplay import BOT_PACE, FAST_LIMITS, HQ

    scenario = sample.sample_scenario()
    players = sample.add_players(scenario, HQ, 16)
    sim.load_scenario(scenario)
    for family, (limit, window) in FAST_LIMITS.items():
        sim.set_rate_limit(family, limit, window)
    for name, value in BOT_PACE.items():
        monkeypatch.setenv(name, value)
    return players


def present() -> set[int]:
    """The servers the table says the bot is in."""
    from guildbot.models import Guild

    return set(Guild.objects.present().values_list("guild_id", flat=True))


def bot_servers(sim) -> set[int]:
    """The servers discordsim says the bot is in."""
    return {int(guild["id"]) for guild in sim.scenario()["guilds"] if guild.get("bot_present")}


def wait_for(condition, *, timeout: float = 20, interval: float = 0.1, message: str = ""):
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message or condition}")
        time.sleep(interval)


@pytest.fixture
def page(chromium):
    """A fresh browser context at desktop size, and its page. At the end, nothing may have
    been refused by a Content-Security-Policy (an image, a script or a style a page needs)."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not refused, refused


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium driven by Playwright; skipped locally without it, a failure in CI.

    Module-scoped: Playwright's sync API runs an event loop in this thread for as long as it
    lives, which must end before other tests call asyncio.run().
    """
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django takes
    # for async code; the test's own database calls are plain synchronous ones.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe():
    """Check a page with axe-core, light and dark: `axe(page, "06-settings")` fails the test on
    any WCAG 2.1 AA violation and saves the results under test-artifacts/axe/ (tests/e2e/a11y.py).
    """
    if not a11y.AXE_JS.exists():
        pytest.fail(f"{a11y.AXE_JS.relative_to(BASE_DIR)} is missing: `make npm` installs it")
    return a11y.check
