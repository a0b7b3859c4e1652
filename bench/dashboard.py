"""Dashboard throughput under gunicorn as the Procfile runs it, for a person in 200 servers
with the bot in 50, against a trivial signed-in page on the same server in the same run;
SQL queries per dashboard for 1 and 200 servers; Discord calls per view; worker memory."""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

from bench.common import (
    BASE_DIR,
    Browser,
    children,
    discordsim,
    log_in,
    percentile,
    prepare_database,
    rss_mb,
    site,
)
from discordsim import sample

SECONDS = 20
LOAD_PROCESSES = 2
CONNECTIONS = 8  # per load process
DASHBOARD = "/dashboard/"
# The trivial signed-in page: the session and the user are loaded, a small template renders.
TRIVIAL = "/auth/success/"


def record_bot_presence(sim, user_id: str) -> int:
    """Put the servers the bot is in into the table, as runbot would; returns how many of
    them the person is in."""
    from guildbot.models import Guild

    scenario = sim.scenario()
    present = [guild for guild in scenario["guilds"] if guild.get("bot_present")]
    Guild.objects.bulk_create(
        [Guild(guild_id=int(guild["id"]), name=guild["name"]) for guild in present],
        ignore_conflicts=True,
    )
    mine = {member["guild_id"] for member in scenario["members"] if member["user_id"] == user_id}
    return sum(guild["id"] in mine for guild in present)


def load(url: str, path: str, cookie: str) -> dict:
    parts = urlsplit(url)
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--port",
        str(parts.port),
        "--path",
        path,
        "--cookie",
        cookie,
        "--seconds",
        str(SECONDS),
        "--connections",
        str(CONNECTIONS),
    ]
    runs = [
        subprocess.Popen(command, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)
        for _ in range(LOAD_PROCESSES)
    ]
    latencies: list[float] = []
    errors = 0
    for run in runs:
        out, _ = run.communicate(timeout=SECONDS + 60)
        result = json.loads(out)
        latencies += result["latencies"]
        errors += result["errors"]
    return {
        "requests_per_second": len(latencies) / SECONDS,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
    }


def queries_per_dashboard(guild_count: int) -> tuple[int, object]:
    """SQL queries of one dashboard view for a person in `guild_count` servers (in process)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from fightrise.discord_api import PartialGuild
    from guildbot.models import Guild
    from tests.factories import signed_in_session

    base = 950000000000000000 + guild_count * 1000
    user = User.objects.create(
        username=f"bench-{guild_count}", discord_id=base, display_name="Bench"
    )
    guilds = [
        PartialGuild(id=base + n, name=f"Server {n}", icon=None, owner=False, permissions=32)
        for n in range(guild_count)
    ]
    Guild.objects.bulk_create([Guild(guild_id=guild.id, name=guild.name) for guild in guilds[::4]])
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user, guilds)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured), client


def view_times(client, path: str, *, cold: bool, views: int = 60) -> float:
    """Median in-process time of one view, in ms; cold clears the cached rows first."""
    from django.core.cache import cache

    times = []
    for _ in range(views):
        if cold:
            cache.clear()
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run() -> dict:
    prepare_database()
    one, _ = queries_per_dashboard(1)
    many, client = queries_per_dashboard(200)
    in_process = {
        "queries_1_server": one,
        "queries_200_servers": many,
        "view_ms_first": view_times(client, DASHBOARD, cold=True),
        "view_ms_cached": view_times(client, DASHBOARD, cold=False),
        "view_ms_trivial": view_times(client, TRIVIAL, cold=False),
    }
    with discordsim() as sim, site(sim) as server:
        browser = Browser()
        log_in(browser, server.url, sim, sample.COLLECTOR_ID)
        present = record_bot_presence(sim, sample.COLLECTOR_ID)
        cookie = f"sessionid={browser.cookie('sessionid')}"
        _, _, page = browser.get(f"{server.url}{DASHBOARD}")
        assert page.count('class="server-name"') == sample.COLLECTOR_GUILDS, "not 200 servers"
        workers = children(server.process.pid)
        for path in (DASHBOARD, TRIVIAL):  # warm every worker up
            warm_up(server.url, path, cookie)
        rss_before = max(rss_mb(pid) for pid in workers)
        sim.clear_requests()
        dashboard = load(server.url, DASHBOARD, cookie)
        guild_calls = len(sim.requests("/api/v10/users/@me/guilds"))
        trivial = load(server.url, TRIVIAL, cookie)
        rss_after = max(rss_mb(pid) for pid in children(server.process.pid))
    return {
        "servers": sample.COLLECTOR_GUILDS,
        "bot_in": present,
        "seconds": SECONDS,
        "connections": LOAD_PROCESSES * CONNECTIONS,
        "workers": len(workers),
        "dashboard": dashboard,
        "trivial": trivial,
        "throughput_ratio": dashboard["requests_per_second"] / trivial["requests_per_second"],
        "bar_ratio": 0.40,
        "discord_calls_during_dashboard_load": guild_calls,
        "dashboard_requests": round(dashboard["requests_per_second"] * SECONDS),
        **in_process,
        "worker_rss_mb_before": rss_before,
        "worker_rss_mb_after": rss_after,
    }


def warm_up(url: str, path: str, cookie: str, requests: int = 50) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for _ in range(requests):
        connection.request("GET", path, headers={"Cookie": cookie})
        connection.getresponse().read()
    connection.close()
