"""Pages that need no Discord while Discord hangs: p50/p99 of `/`, `/healthz` and a fresh
dashboard with discordsim holding /users/@me/guilds and 64 logins arriving at once, against
the same pages with Discord healthy in the same run; and the same outage with the bulkhead
opened wide (DISCORD_MAX_WAITING = the worker's threads), which is how the site ran before.

The timeouts are the defaults (connect 3.5 s, read 10 s): the logins let in wait 10 s, and
the pages are timed for 8 s of that.
"""

from __future__ import annotations

import os
import time

from bench.common import WORKDIR, discordsim, prepare_database, site
from discordsim import sample
from tests.outage import (
    GUILDS_PATH,
    Visitor,
    log_in,
    percentile,
    prepare_login,
    storm,
    time_pages,
)

LOGINS = 64
SECONDS = 8.0
HEALTHY_SECONDS = 8.0
UNAVAILABLE = "/auth/error/?error=discord_unavailable"
# BEHIND_PROXY lets each visitor have its own address (X-Forwarded-For), so that 64 logins
# from one machine are not one address over the per-address limit. The breaker lives in the
# cache: a file cache here (a fresh one for each site), one for every worker as Redis is in
# production.
ENVIRONMENT = {"BEHIND_PROXY": "true"}
PAGES = ("/", "/healthz", "/dashboard/")


def figures(timings: dict[str, list[float]]) -> dict:
    return {
        path: {
            "p50_ms": percentile(values, 50) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "max_ms": max(values) * 1000,
            "requests": len(values),
        }
        for path, values in timings.items()
    }


def outage(sim, server, visitors: list[Visitor], pages: dict) -> dict:
    """64 logins fire while Discord holds the server list; the pages timed meanwhile."""
    logins = [(v, prepare_login(v, server.url, sim, sample.ADA_ID)) for v in visitors]
    sim.clear_requests()
    sim.add_fault(GUILDS_PATH, timeout=60, count=100 * LOGINS)
    started = time.perf_counter()
    with storm(logins) as fired:
        time.sleep(0.2)  # every callback has reached the site
        timings = time_pages(server.url, pages, seconds=SECONDS)
    results = fired.results
    held = len(sim.requests(GUILDS_PATH))
    # The breaker is open now: a second crowd is refused without a call.
    second = [(v, prepare_login(v, server.url, sim, sample.ADA_ID)) for v in visitors]
    sim.clear_requests()
    with storm(second) as again:
        pass
    calls = len(sim.requests("/api/v10/*"))
    sim.clear_faults()
    # A login let in waits for the read timeout (10 s); one refused does not wait on Discord.
    refused = sorted(elapsed for *_, elapsed in results if elapsed < 5)
    return {
        "pages": figures(timings),
        "logins_waiting_on_discord": held,
        "logins_refused": len(refused),
        "refused_p50_ms": percentile(refused, 50) * 1000 if refused else None,
        "refused_max_ms": refused[-1] * 1000 if refused else None,
        "all_ended_discord_unavailable": all(loc == UNAVAILABLE for _, loc, _ in results),
        "longest_login_s": max(elapsed for *_, elapsed in results),
        "window_s": time.perf_counter() - started,
        "breaker_open_second_crowd_p50_ms": percentile([e for *_, e in again.results], 50) * 1000,
        "breaker_open_discord_calls": calls,
    }


def run_site(sim, name: str, extra: dict) -> dict:
    cache = {"CACHE_URL": f"filecache://{WORKDIR}/cache-{name}"}
    with site(sim, env={**ENVIRONMENT, **cache, **extra}) as server:
        cookie = log_in(Visitor(0), server.url, sim, sample.ADA_ID)
        pages = dict.fromkeys(PAGES)
        pages["/dashboard/"] = cookie
        time_pages(server.url, pages, seconds=1)  # warm every worker up
        healthy = time_pages(server.url, pages, seconds=HEALTHY_SECONDS)
        visitors = [Visitor(n) for n in range(1, LOGINS + 1)]
        return {"healthy": figures(healthy), "outage": outage(sim, server, visitors, pages)}


def ratios(run: dict) -> dict:
    return {
        path: {
            "p50": run["outage"]["pages"][path]["p50_ms"] / run["healthy"][path]["p50_ms"],
            "p99": run["outage"]["pages"][path]["p99_ms"] / run["healthy"][path]["p99_ms"],
        }
        for path in PAGES
    }


def run() -> dict:
    load = os.getloadavg()[0]
    prepare_database()
    with discordsim() as sim:
        guarded = run_site(sim, "guarded", {})
        sim.reset()
        # As many as a worker has threads: every thread may wait on Discord, as before.
        threads = os.environ.get("GUNICORN_THREADS", "8")
        unguarded = run_site(sim, "wide-open", {"DISCORD_MAX_WAITING": threads})
    return {
        "logins": LOGINS,
        "seconds": SECONDS,
        "healthy": guarded["healthy"],
        "outage": guarded["outage"],
        "outage_over_healthy": ratios(guarded),
        "bulkhead_wide_open": {
            "healthy": unguarded["healthy"],
            "outage_pages": unguarded["outage"]["pages"],
            "logins_waiting_on_discord": unguarded["outage"]["logins_waiting_on_discord"],
        },
        "bar_ms": 100,
        "load_average_1min_before": load,
    }
