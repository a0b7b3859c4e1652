"""The bot's delivery: the real `manage.py runbot` posting tournaments in discordsim, at the
bot's production pace (OUTBOX_* and BOT_HEARTBEAT_SECONDS at their defaults).

Round 1: a 256-entrant double elimination started; the time until its 128th match's thread
has its first message, against the least time discordsim's rate limits (Discord's windows)
allow for exactly the requests the bot made, which must be the three of each call (message,
thread, first message: 384) and the announcement's edit; the 429s, and any request unanswered.

Confirm to next thread: a 64-entrant double elimination played to the end in its threads,
each match reported with /report and confirmed with the opponent's button; per match made
ready, the time from the Confirm press to its thread's creation (discordsim's own clock).
The windows shrink here, keeping their shape (tests/e2e/discordplay.py's FAST_LIMITS): a
bracket played this fast would otherwise wait on the matches channel's 5 messages per 5 s.

Memory: the bot's resident memory with 50 tournaments underway (16 entrants, one per server,
round 1 called), against the same bot idle on the same servers, in the same run.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from bench.common import (
    children,
    discordsim,
    median,
    percentile,
    prepare_database,
    rss_mb,
    runbot,
)
from discordsim import sample
from discordsim.testing import SimClient
from guildbot.models import Guild, GuildConfig, ShardHeartbeat
from tests.e2e.conftest import bot_servers, present, wait_for
from tests.e2e.discordplay import (
    ANNOUNCEMENTS,
    FAST_LIMITS,
    HQ,
    MATCHES,
    all_done,
    called,
    press,
    with_button,
)
from tests.e2e.discordplay import run as command
from tournaments import operations
from tournaments.models import Match, Tournament

ROUND_ONE, PLAYED, UNDERWAY, UNDERWAY_SIZE = 256, 64, 50, 16
BAR_RATIO, BAR_P95_SECONDS = 1.3, 1.0
API = "/api/v10"


def world() -> tuple[dict, list[str], dict[str, list[str]]]:
    """The sample world with ROUND_ONE players in FightRise HQ and UNDERWAY_SIZE in each other
    server the bot is in; returns it, HQ's players, and the players of the UNDERWAY servers
    that hold the tournaments underway (HQ first)."""
    scenario = sample.sample_scenario()
    hq_players = sample.add_players(scenario, HQ, ROUND_ONE)
    servers = [HQ] + [g["id"] for g in scenario["guilds"] if g["bot_present"] and g["id"] != HQ]
    if len(servers) < UNDERWAY:
        raise RuntimeError(f"the sample world has the bot in {len(servers)} servers")
    players = {HQ: hq_players[:UNDERWAY_SIZE]}
    for guild_id in servers[1:UNDERWAY]:
        players[guild_id] = sample.add_players(scenario, guild_id, UNDERWAY_SIZE)
    return scenario, hq_players, players


def configure(scenario: dict, guild_id: str) -> None:
    """The server's announcement channel (#general where it has none) and #matches."""
    guild = next(g for g in scenario["guilds"] if g["id"] == guild_id)
    names = {channel["name"]: int(channel["id"]) for channel in guild["channels"]}
    config = GuildConfig.objects.for_guild(Guild.objects.get(guild_id=int(guild_id)))
    config.announcement_channel_id = names.get("announcements", names["general"])
    config.match_channel_id = names["matches"]
    config.save()


def entered(guild_id: str, players: list[str], name: str):
    """A double elimination on the server, its players joined (as their Join presses would),
    not started."""
    starts = timezone.localtime(timezone.now() + timedelta(days=1)).replace(tzinfo=None)
    tournament = operations.create(
        Guild.objects.get(guild_id=int(guild_id)),
        created_by=None,
        name=name,
        game="Street Fighter 6",
        format="double_elimination",
        best_of=3,
        starts_at=starts.replace(second=0, microsecond=0),
        check_in_minutes=0,
        max_entrants=len(players),
    )
    for number, player in enumerate(players, 1):
        operations.join(tournament, discord_id=int(player), name=f"Player {number}")
    return tournament


class Bot:
    """`manage.py runbot` as production runs it, its output in the bench's directory."""

    def __init__(self) -> None:
        self.process = runbot()

    def rss_mb(self) -> float:
        """Its resident memory and its children's."""
        pids, total = [self.process.popen.pid], 0.0
        while pids:
            pid = pids.pop()
            total += rss_mb(pid)
            pids += children(pid)
        return total

    def check(self) -> None:
        if self.process.popen.poll() is not None:
            code = self.process.popen.returncode
            raise RuntimeError(f"runbot exited with {code}: see {self.process.log}")

    def stop(self) -> None:
        """SIGTERM, then up to 15 s; killed if it is still running."""
        self.process.close(timeout=15)


def waiting(bot: Bot, condition: Callable[[], object], *, timeout: float, message: str):
    """wait_for, failing at once if the bot died."""

    def check() -> object:
        bot.check()
        return condition()

    return wait_for(check, timeout=timeout, interval=0.05, message=message)


def settled(bot: Bot, sim: SimClient, guild_ids) -> None:
    """The idle bot settled: its commands synced and each server's shard heard from."""
    waiting(bot, lambda: sim.commands(), timeout=30, message="the commands synced")
    waiting(
        bot,
        lambda: all(ShardHeartbeat.objects.online(int(guild_id)) for guild_id in guild_ids),
        timeout=30,
        message="a heartbeat from each server's shard",
    )


def memory(bot: Bot, players: dict[str, list[str]]) -> dict:
    """50 tournaments started and their round 1 called, one per server."""
    idle = bot.rss_mb()
    begun = time.monotonic()
    tournaments = []
    for number, (guild_id, people) in enumerate(players.items(), 1):
        tournaments.append(entered(guild_id, people, f"Weekly #{number}"))
    for tournament in tournaments:
        operations.start(tournament)
    round_one = UNDERWAY_SIZE // 2
    waiting(
        bot,
        lambda: all(called(t, round_one) for t in tournaments),
        timeout=180,
        message=f"round 1 of {UNDERWAY} tournaments called",
    )
    seconds = time.monotonic() - begun
    underway = bot.rss_mb()
    return {
        "tournaments_underway": UNDERWAY,
        "entrants_each": UNDERWAY_SIZE,
        "calls": UNDERWAY * round_one,
        "seconds_to_call": seconds,
        "idle_rss_mb": idle,
        "underway_rss_mb": underway,
        "rss_growth_mb": underway - idle,
        "rss_ratio": underway / idle,
    }


def kind_of(method: str, path: str, *, threads: set[str]) -> str:
    """What a request of the bot is, for a round's calls: "call" (the message in #matches),
    "thread" (from it), "first" (the thread's first message), "announcement_edit",
    "thread_member" (an add), or "other"."""
    parts = path.removeprefix(API).strip("/").split("/")
    if parts[:1] != ["channels"]:
        return "other"
    channel = parts[1]
    if method == "POST" and parts[2:] == ["messages"]:
        if channel == MATCHES:
            return "call"
        return "first" if channel in threads else "other"
    if method == "POST" and len(parts) == 5 and parts[2] == "messages" and parts[4] == "threads":
        return "thread" if channel == MATCHES else "other"
    if method == "PATCH" and len(parts) == 4 and parts[2] == "messages":
        return "announcement_edit" if channel == ANNOUNCEMENTS else "other"
    if method == "PUT" and parts[2:3] == ["thread-members"]:
        return "thread_member"
    return "other"


def round_one(bot: Bot, sim: SimClient, players: list[str]) -> dict:
    """A 256-entrant double elimination started: until its 128 threads have their first
    message, under Discord's windows."""
    tournament = entered(HQ, players, "HQ Major")
    waiting(bot, lambda: all_done(tournament), timeout=60, message="the announcement sent")
    sim.clear_requests()
    sim.clear_rate_limits()
    matches = ROUND_ONE // 2
    begun = time.time()
    operations.start(tournament)
    waiting(bot, lambda: called(tournament, matches), timeout=300, message="round 1 called")
    limits = sim.rate_limits()
    log = [entry for entry in sim.requests() if entry["path"].startswith(f"{API}/")]
    threads = {t["id"] for t in sim.threads(HQ) if t["parent_id"] == MATCHES}
    kinds: dict[str, int] = {}
    for entry in log:
        kind = kind_of(entry["method"], entry["path"], threads=threads)
        kinds[kind] = kinds.get(kind, 0) + 1
    expected = {"call": matches, "thread": matches, "first": matches, "announcement_edit": 1}
    firsts = [e for e in log if kind_of(e["method"], e["path"], threads=threads) == "first"]
    wall = max(entry["ended"] for entry in firsts) - begun
    bound = sim.rate_limit_bound([(entry["method"], entry["path"]) for entry in log])
    unanswered = [e for e in log if e["status"] is None or e["status"] >= 500]
    return {
        "entrants": ROUND_ONE,
        "matches_called": matches,
        "requests": len(log),
        "requests_by_kind": kinds,
        "minimal_sequence": kinds == expected,
        "first_request_after_start_s": min(entry["started"] for entry in log) - begun,
        "wall_seconds": wall,
        "bound_seconds": bound,
        "ratio": wall / bound,
        "bar_ratio": BAR_RATIO,
        "limited_429s": limits["limited"],
        "unanswered": len(unanswered),
    }


def threads_made(sim: SimClient, since: float) -> dict[str, float]:
    """The match threads created after `since`, by match identifier: when discordsim
    answered the creation (time.time() on this machine)."""
    made = {}
    for entry in sim.requests(f"{API}/channels/{MATCHES}/messages/*", method="POST"):
        if entry["path"].endswith("/threads") and entry["started"] >= since:
            made[entry["body"]["name"].split(" · ")[0]] = entry["ended"]
    return made


def play(bot: Bot, sim: SimClient, players: list[str]) -> dict:
    """A 64-entrant double elimination played out: per match a /report by one player and
    Confirm by the other; the seconds from each Confirm to the threads of the matches it
    made ready."""
    for family, (limit, window) in FAST_LIMITS.items():
        sim.set_rate_limit(family, limit, window)
    tournament = entered(HQ, players, "HQ Weekly")
    operations.start(tournament)
    waiting(bot, lambda: called(tournament, PLAYED // 2), timeout=60, message="round 1 called")
    sim.clear_rate_limits()
    rng = random.Random(PLAYED)
    samples: list[float] = []
    results = 0
    calls = Match.objects.filter(tournament=tournament, state=Match.State.CALLED)
    while match := calls.select_related("player_1", "player_2").order_by("index").first():
        winner, loser = rng.sample([match.player_1, match.player_2], 2)
        thread = str(match.thread_id)
        said = command(sim, thread, str(winner.discord_id), "report", score="2-1")
        assert f"You reported 2-1 for match {match.identifier}" in said, said
        prompt = waiting(
            bot,
            lambda thread=thread: with_button(sim, thread, "fr:confirm:"),
            timeout=10,
            message=f"the Confirm prompt of {match.identifier}",
        )
        pressed = time.time()
        assert "✅" in press(sim, prompt, "Confirm", str(loser.discord_id))
        results += 1
        waiting(bot, lambda: all_done(tournament), timeout=30, message="the result's posts")
        samples += [ended - pressed for ended in threads_made(sim, pressed).values()]
    tournament.refresh_from_db()
    assert tournament.state == Tournament.State.COMPLETE, tournament.state
    limits = sim.rate_limits()
    return {
        "entrants": PLAYED,
        "results": results,
        "next_threads": len(samples),
        "confirm_to_thread_p50_ms": median(samples) * 1000,
        "confirm_to_thread_p95_ms": percentile(samples, 95) * 1000,
        "confirm_to_thread_max_ms": max(samples) * 1000,
        "bar_p95_ms": BAR_P95_SECONDS * 1000,
        "limited_429s": limits["limited"],
    }


def run() -> dict:
    load_before = os.getloadavg()[0]
    prepare_database()
    scenario, hq_players, underway_players = world()
    with discordsim(scenario) as sim:
        bot = Bot()
        try:
            expected = bot_servers(sim)
            waiting(bot, lambda: expected <= present(), timeout=60, message="the servers recorded")
            for guild_id in underway_players:
                configure(scenario, guild_id)
            settled(bot, sim, underway_players)
            figures = {"memory": memory(bot, underway_players)}
            figures["round_one"] = round_one(bot, sim, hq_players)
            figures["confirm"] = play(bot, sim, hq_players[:PLAYED])
        finally:
            bot.stop()
    return {
        **figures,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
