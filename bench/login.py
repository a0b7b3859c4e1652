"""Login callback wall time with discordsim adding L ms to every API call.

The callback makes two round trips: the code exchange, then /users/@me and
/users/@me/guilds at the same time. The baseline, measured in the same run against the
same simulator, is the same work done as three sequential calls.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from bench.common import (
    Browser,
    consent,
    discordsim,
    log_in,
    median,
    percentile,
    prepare_database,
    site,
)
from discordsim import sample

LATENCY_MS = 100
LOGINS = 20


def sequential_baseline(sim, site_url: str) -> float:
    """Exchange, then @me, then @me/guilds, one after the other."""
    from accounts.models import OAuthState
    from fightrise import discord_api

    callback, params = consent(Browser(), site_url, sim, sample.ADA_ID)
    verifier = OAuthState.objects.get(state=params["state"]).code_verifier
    code = parse_qs(urlsplit(callback).query)["code"][0]
    started = time.perf_counter()
    grant = discord_api.exchange_code(
        code, redirect_uri=params["redirect_uri"], code_verifier=verifier
    )
    discord_api.get_current_user(grant.access_token)
    discord_api.get_current_user_guilds(grant.access_token)
    return time.perf_counter() - started


def run() -> dict:
    prepare_database()
    with discordsim() as sim, site(sim) as server:
        log_in(Browser(), server.url, sim, sample.ADA_ID)  # warm up the workers
        sim.set_latency("*", LATENCY_MS)
        callbacks = [log_in(Browser(), server.url, sim, sample.ADA_ID) for _ in range(LOGINS)]
        sequential = [sequential_baseline(sim, server.url) for _ in range(5)]
    latency = LATENCY_MS / 1000
    return {
        "latency_ms": LATENCY_MS,
        "logins": LOGINS,
        "callback_median_ms": median(callbacks) * 1000,
        "callback_p95_ms": percentile(callbacks, 95) * 1000,
        "callback_median_over_L": median(callbacks) / latency,
        "sequential_median_ms": median(sequential) * 1000,
        "sequential_median_over_L": median(sequential) / latency,
        "bar_over_L": 2.3,
    }
