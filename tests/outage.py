"""Discord hanging while people log in: the end-to-end test and `make bench outage` share it.

Logins are prepared (started on the site, authorized on discordsim) while Discord is healthy,
then their callbacks fire all at once while discordsim holds /users/@me/guilds; meanwhile
pages that need no Discord are timed, each on a fresh connection so that every worker serves
some.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests

GUILDS_PATH = "/api/v10/users/@me/guilds"


class Visitor:
    """One browser, with its own address (the site runs with BEHIND_PROXY on, so that a
    crowd of visitors is not one address tripping the per-address limit)."""

    def __init__(self, number: int) -> None:
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = (
            f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        )

    def get(self, url: str) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=60)


def press_authorize(sim, location: str, user_id: str) -> tuple[str, dict[str, str]]:
    """Press Authorize on discordsim's consent page at `location` (where the site sent the
    browser) as `user_id`: the callback URL, and the parameters the site sent."""
    params = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    callback = sim.authorize(
        params["client_id"],
        params["redirect_uri"],
        params["scope"],
        params["state"],
        user_id,
        code_challenge=params.get("code_challenge"),
    )
    return callback, params


def prepare_login(visitor: Visitor, site: str, sim, user_id: str) -> str:
    """Start a login on the site and press Authorize on discordsim: the callback URL."""
    start = visitor.get(f"{site}/auth/login/")
    assert start.status_code == 302, start.status_code
    return press_authorize(sim, start.headers["Location"], user_id)[0]


def log_in(visitor: Visitor, site: str, sim, user_id: str) -> str:
    """A whole login while Discord is healthy; the session cookie."""
    callback = visitor.get(prepare_login(visitor, site, sim, user_id))
    assert callback.headers.get("Location") == "/dashboard/", callback.headers
    return visitor.session.cookies["sessionid"]


@dataclass
class Storm:
    """Callbacks fired at once on their own threads: each one's status, Location, seconds."""

    results: list[tuple[int, str, float]] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def wait(self, timeout: float = 60) -> list[tuple[int, str, float]]:
        for thread in self.threads:
            thread.join(timeout)
        return self.results


@contextmanager
def storm(logins: list[tuple[Visitor, str]]) -> Iterator[Storm]:
    """Fire every prepared login's callback at the same instant; yields while they wait."""
    fired = Storm()
    barrier = threading.Barrier(len(logins) + 1)

    def run(visitor: Visitor, callback: str) -> None:
        barrier.wait()
        started = time.perf_counter()
        response = visitor.get(callback)
        elapsed = time.perf_counter() - started
        fired.results.append((response.status_code, response.headers.get("Location", ""), elapsed))

    fired.threads = [threading.Thread(target=run, args=login) for login in logins]
    for thread in fired.threads:
        thread.start()
    barrier.wait()
    try:
        yield fired
    finally:
        fired.wait()


def time_pages(
    site: str, pages: dict[str, str | None], *, seconds: float
) -> dict[str, list[float]]:
    """GET each page in turn for `seconds`, each on a new connection; every page's latencies
    in seconds. A page is `path: cookie` (None for none); any answer but 200 fails."""
    parts = urlsplit(site)
    timings: dict[str, list[float]] = {path: [] for path in pages}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path, cookie in pages.items():
            headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
            started = time.perf_counter()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            timings[path].append(time.perf_counter() - started)
            assert response.status == 200, (path, response.status)
    return timings


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]
