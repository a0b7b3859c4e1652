"""Bracket engine, in memory: build a 1,024-entrant double elimination and play every result.

The baseline is the same engine on a 64-entrant bracket in the same run: it runs the same code
on a bracket 16 times smaller, so the ratios isolate what size costs. Building should grow with
the match count (2,047 / 127 = 16.1x); a result should not grow at all (1x), which is what lets
a database layer write a few rows per result. brackets-manager.js, for scale: about 60 ms to
build and 0.2 ms a result.
"""

from __future__ import annotations

import random
import statistics
import time

from tournaments.bracket import Bracket, BracketFormat, build

FORMAT = BracketFormat.DOUBLE_ELIMINATION
LARGE, SMALL = 1024, 64
BUILDS = 15
SAMPLES = 6000  # results timed per size, enough for a steady p95


def build_seconds(count: int) -> float:
    """Median time of an uncached build."""
    times = []
    for _ in range(BUILDS):
        started = time.perf_counter()
        build.__wrapped__(FORMAT, count)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def result_seconds(count: int) -> list[float]:
    """Times of single results, playing whole brackets with random winners."""
    rng = random.Random(count)
    times: list[float] = []
    while len(times) < SAMPLES:
        bracket = Bracket(build(FORMAT, count))
        while not bracket.is_complete():
            match = bracket.ready_matches()[0]
            winner_slot = rng.randrange(2)
            started = time.perf_counter()
            bracket.report(match, winner_slot=winner_slot)
            times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run() -> dict:
    build_large, build_small = build_seconds(LARGE), build_seconds(SMALL)
    results_large, results_small = result_seconds(LARGE), result_seconds(SMALL)
    matches = {count: len(build(FORMAT, count).matches) for count in (LARGE, SMALL)}
    return {
        "entrants": LARGE,
        "matches": matches[LARGE],
        "build_ms": build_large * 1000,
        "build_64_ms": build_small * 1000,
        "build_ratio": build_large / build_small,
        "match_count_ratio": matches[LARGE] / matches[SMALL],
        "result_median_us": statistics.median(results_large) * 1e6,
        "result_p95_us": p95(results_large) * 1e6,
        "result_64_median_us": statistics.median(results_small) * 1e6,
        "result_64_p95_us": p95(results_small) * 1e6,
        "result_median_ratio": statistics.median(results_large) / statistics.median(results_small),
        "result_p95_ratio": p95(results_large) / p95(results_small),
        "bar_build_ms": 100,
        "bar_result_us": 1000,
    }
