"""Tournaments on the real database and under gunicorn.

Results: a 1,024-entrant double elimination built through the operations (create, 1,024
walk-ins, start), then played to the end one `operations.set_result` at a time, random
winners; per result its time, SQL queries, writes and match rows changed. The baseline is the
same on 16-entrant brackets in the same run: a result must cost the same at any size (O(1)
writes, never a rewrite of the bracket). Starting is timed too (one row per match, bulk).

Pages: `/t/<slug>/` and `/t/<slug>.json` for a 256-entrant double elimination halfway through,
closed-loop load as bench/dashboard.py drives it, against the trivial signed-in page on the
same server in the same run; and the SQL queries of each view at 8 and 256 entrants.
"""

from __future__ import annotations

import os
import random
import time

from bench.common import (
    Browser,
    discordsim,
    log_in,
    median,
    percentile,
    prepare_database,
    site,
)
from bench.dashboard import SECONDS, TRIVIAL, load, warm_up
from discordsim import sample
from tournaments.bracket import BracketFormat, build

FORMAT = BracketFormat.DOUBLE_ELIMINATION
LARGE, SMALL = 1024, 16
SMALL_BRACKETS = 20  # about 600 results, for a steady p95 of the baseline
PAGE_SIZES = (8, 256)
BAR_JSON, BAR_PAGE = 0.50, 0.30


def hq():
    """FightRise HQ as the bot records it, in Ada's time zone."""
    from guildbot.models import Guild, GuildConfig

    guild, _ = Guild.objects.get_or_create(
        guild_id=int(sample.FIGHTRISE_HQ_ID), defaults={"name": "FightRise HQ"}
    )
    GuildConfig.objects.update_or_create(guild=guild, defaults={"timezone": "Europe/Paris"})
    return guild


def registered(size: int, name: str):
    """A double elimination with `size` walk-ins, through the operations."""
    from datetime import datetime, timedelta

    from tournaments import operations

    starts = (datetime.now() + timedelta(days=7)).replace(hour=19, minute=30)  # noqa: DTZ005
    tournament = operations.create(
        hq(),
        created_by=None,
        name=name,
        game="Street Fighter 6",
        format=FORMAT,
        best_of=3,
        starts_at=starts.replace(second=0, microsecond=0),
        check_in_minutes=0,
        max_entrants=max(size, 2),
    )
    for number in range(1, size + 1):
        operations.add_walk_in(tournament, name=f"Player {number}")
    return tournament


def started(size: int, name: str) -> tuple[object, float]:
    """A registered tournament started; and the seconds `start` took. On PostgreSQL the new
    rows are then analyzed, as autovacuum soon would: the plans are the ones production has."""
    from django.db import connection

    from tournaments import operations

    tournament = registered(size, name)
    begun = time.perf_counter()
    operations.start(tournament)
    elapsed = time.perf_counter() - begun
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tournaments_match, tournaments_entrant")
    return tournament, elapsed


def statements(captured) -> list[str]:
    """The SQL a capture saw, without BEGIN, COMMIT and savepoints."""
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    sql = (query["sql"].lstrip().upper() for query in captured)
    return [text for text in sql if not text.startswith(control)]


def play_timed(tournament, rng: random.Random) -> list[tuple[float, int, int, int]]:
    """Every result to the end, the first ready match each time, a random winner: each
    result's (seconds, queries, writes, match rows changed). Finding the match is not timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tournaments import operations
    from tournaments.models import Match

    ready = Match.objects.filter(tournament=tournament, state=Match.State.READY).order_by("index")
    samples = []
    while (match := ready.only("pk").first()) is not None:
        loser = rng.randrange(2)
        scores = (2, loser) if rng.randrange(2) else (loser, 2)
        connection.queries_log.clear()  # it keeps 9,000: a full log counts nothing new
        with CaptureQueriesContext(connection) as captured:
            begun = time.perf_counter()
            played = operations.set_result(
                tournament, match.pk, score_1=scores[0], score_2=scores[1]
            )
            elapsed = time.perf_counter() - begun
        sql = statements(captured)
        writes = sum(text.startswith(("INSERT", "UPDATE", "DELETE")) for text in sql)
        samples.append((elapsed, len(sql), writes, len(played.changed)))
    return samples


def summary(samples: list[tuple[float, int, int, int]], suffix: str = "") -> dict:
    seconds, queries, writes, rows = zip(*samples, strict=True)
    return {
        f"results{suffix}": len(samples),
        f"result_median_ms{suffix}": median(seconds) * 1000,
        f"result_p95_ms{suffix}": percentile(seconds, 95) * 1000,
        f"queries_per_result{suffix}": f"{min(queries)}-{max(queries)}",
        f"writes_per_result{suffix}": f"{min(writes)}-{max(writes)}",
        f"rows_changed_max{suffix}": max(rows),
    }


def results_per_bracket() -> dict:
    rng = random.Random(14)
    small, small_starts = [], []
    for number in range(SMALL_BRACKETS):
        tournament, seconds = started(SMALL, f"Small {number}")
        small_starts.append(seconds)
        small += play_timed(tournament, rng)
    tournament, large_start = started(LARGE, "Large")
    large = play_timed(tournament, rng)
    figures = {**summary(large), **summary(small, f"_{SMALL}")}
    rows = {size: len(build(FORMAT, size).matches) for size in (LARGE, SMALL)}
    return {
        "entrants": LARGE,
        **figures,
        "result_median_ratio": figures["result_median_ms"] / figures[f"result_median_ms_{SMALL}"],
        "result_p95_ratio": figures["result_p95_ms"] / figures[f"result_p95_ms_{SMALL}"],
        "start_ms": large_start * 1000,
        f"start_ms_{SMALL}": median(small_starts) * 1000,
        "start_ratio": large_start / median(small_starts),
        "match_rows": rows[LARGE],
        "match_count_ratio": rows[LARGE] / rows[SMALL],
    }


def halfway(size: int):
    """A double elimination of `size` walk-ins with half its results entered."""
    from scripts.sample_tournaments import play_ready

    tournament, _ = started(size, f"Halfway {size}")
    play_ready(tournament, results=size - 1, rng=random.Random(size))
    tournament.refresh_from_db()
    return tournament


def queries_per_view(tournaments: dict[int, object]) -> dict:
    """SQL queries of each view in process, first (rendering) and cached, for someone signed
    out and for the server's owner signed in."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from fightrise.discord_api import PartialGuild
    from tests.factories import signed_in_session

    owner, _ = User.objects.get_or_create(username="bench-owner", discord_id=950000000000000001)
    hq_entry = PartialGuild(
        id=int(sample.FIGHTRISE_HQ_ID), name="FightRise HQ", icon=None, owner=True, permissions=8
    )
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(owner, [hq_entry])
    clients = {"anonymous": Client(HTTP_HOST="127.0.0.1"), "signed_in": signed_in}
    counts = {}
    cache.clear()
    for size, tournament in tournaments.items():
        for kind, path in (("page", "/t/{}/"), ("json", "/t/{}.json")):
            for who, client in clients.items():
                for when in ("first", "cached"):
                    if when == "first":
                        cache.clear()
                    with CaptureQueriesContext(connection) as captured:
                        assert client.get(path.format(tournament.slug)).status_code == 200
                    counts[f"{kind}_{who}_{when}_{size}"] = len(statements(captured))
    return counts


def pages_under_gunicorn(tournament) -> dict:
    page, json = f"/t/{tournament.slug}/", f"/t/{tournament.slug}.json"
    with discordsim() as sim, site(sim) as server:
        browser = Browser()
        log_in(browser, server.url, sim, sample.ADA_ID)
        cookie = f"sessionid={browser.cookie('sessionid')}"
        sizes = {path: len(browser.get(f"{server.url}{path}")[2]) for path in (page, json)}
        for path in (TRIVIAL, page, json):
            warm_up(server.url, path, cookie)
        figures = {
            "trivial": load(server.url, TRIVIAL, cookie),
            "page": load(server.url, page, ""),
            "page_signed_in": load(server.url, page, cookie),
            "json": load(server.url, json, ""),
        }
    trivial = figures["trivial"]["requests_per_second"]
    return {
        **figures,
        "page_bytes": sizes[page],
        "json_bytes": sizes[json],
        "page_ratio": figures["page"]["requests_per_second"] / trivial,
        "page_signed_in_ratio": figures["page_signed_in"]["requests_per_second"] / trivial,
        "json_ratio": figures["json"]["requests_per_second"] / trivial,
        "bar_page_ratio": BAR_PAGE,
        "bar_json_ratio": BAR_JSON,
    }


def run() -> dict:
    load_before = os.getloadavg()[0]
    prepare_database()
    results = results_per_bracket()
    tournaments = {size: halfway(size) for size in PAGE_SIZES}
    queries = queries_per_view(tournaments)
    pages = pages_under_gunicorn(tournaments[PAGE_SIZES[-1]])
    return {
        **results,
        "queries": queries,
        "pages_entrants": PAGE_SIZES[-1],
        "seconds": SECONDS,
        **pages,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
