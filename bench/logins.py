"""Logins per second: start -> consent -> callback, from 4 client threads, against discordsim
answering at once (L = 0, its per-route limit out of the way), LOGIN_RATE_LIMIT off, the
site under gunicorn as the Procfile runs it.

Each login is a fresh browser: GET /auth/login/ (a state row, a session), Authorize on
discordsim's consent screen, GET /auth/callback/ (the code exchange, @me and @me/guilds,
the person and session written). The baseline, in the same run with the same threads and
client, is the trivial signed-in page (/auth/success/).
"""

from __future__ import annotations

import threading
import time

from bench import common
from bench.common import Browser, discordsim, log_in, median, percentile, prepare_database, site
from discordsim import sample

THREADS = 4
SECONDS = 15
TRIVIAL = "/auth/success/"
PEOPLE = [sample.ADA_ID, sample.BLAZE_ID, sample.NEWBIE_ID, sample.OLDTIMER_ID]

# Every login comes from 127.0.0.1: the per-address limit would refuse all but 30 a minute.
common.ENVIRONMENT["LOGIN_RATE_LIMIT"] = "0"


def closed_loop(work, seconds: float) -> tuple[list[float], int]:
    """Run work(thread_index) back to back in THREADS threads for `seconds`; the durations
    of the runs that succeeded, and how many failed."""
    deadline = time.monotonic() + seconds
    durations: list[float] = []
    failures: list[BaseException] = []

    def loop(index: int) -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                work(index)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failures.append(exc)
                continue
            durations.append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return durations, len(failures)


def run() -> dict:
    prepare_database()
    scenario = {**sample.sample_scenario(), "rate_limit_per_second": 1_000_000}
    with discordsim(scenario) as sim, site(sim) as server:

        def login(index: int) -> None:
            log_in(Browser(), server.url, sim, PEOPLE[index])

        closed_loop(login, 3)  # warm up every worker
        sim.clear_requests()
        logins, login_failures = closed_loop(login, SECONDS)
        refused = len([r for r in sim.requests("/api/v10/*") if r.get("status") == 429])

        browsers = []
        for person in PEOPLE:
            browsers.append(Browser())
            log_in(browsers[-1], server.url, sim, person)

        def trivial(index: int) -> None:
            status, _, _ = browsers[index].get(f"{server.url}{TRIVIAL}")
            assert status == 200, status

        closed_loop(trivial, 2)
        pages, page_failures = closed_loop(trivial, SECONDS)
    logins_per_second = len(logins) / SECONDS
    trivial_per_second = len(pages) / SECONDS
    return {
        "threads": THREADS,
        "seconds": SECONDS,
        "logins": len(logins),
        "logins_per_second": logins_per_second,
        "login_median_ms": median(logins) * 1000,
        "login_p95_ms": percentile(logins, 95) * 1000,
        "failed_logins": login_failures,
        "discord_429s": refused,
        "trivial_requests_per_second": trivial_per_second,
        "trivial_failures": page_failures,
        "logins_per_trivial_request": logins_per_second / trivial_per_second,
    }
