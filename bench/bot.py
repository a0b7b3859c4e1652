"""Bot ingest: how long `runbot` takes to record one shard's maximum of 2,500 servers from
READY and GUILD_CREATE, and its memory at the end, against a bare discord.py client that
receives the same servers and writes nothing, in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import BASE_DIR, ENVIRONMENT, discordsim, prepare_database, rss_mb, runbot
from discordsim import sample

SERVERS = 2500
BARE_CLIENT = """
import asyncio, os, sys, time
import discord
discord.http.Route.BASE = os.environ["DISCORD_BASE_URL"] + "/api/v10"

class Bare(discord.AutoShardedClient):
    async def setup_hook(self):
        _, url, _ = await self.http.get_bot_gateway()
        import yarl
        from discord.gateway import DiscordWebSocket
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

    async def on_shard_ready(self, shard_id):
        print(f"READY {len(self.guilds)}", flush=True)

intents = discord.Intents.none()
intents.guilds = True
client = Bare(intents=intents, shard_count=1, shard_ids=[0], chunk_guilds_at_startup=False,
              member_cache_flags=discord.MemberCacheFlags.none(), max_messages=None)
asyncio.run(client.start(os.environ["DISCORD_BOT_TOKEN"]))
"""


def present_count() -> int:
    from guildbot.models import Guild

    return Guild.objects.filter(present=True).count()


def time_runbot() -> tuple[float, float]:
    started = time.monotonic()
    process = runbot("--shard-count", "1", "--shard-ids", "0")
    try:
        while present_count() < SERVERS:
            if process.popen.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError(f"runbot did not record {SERVERS} servers: see {process.log}")
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        memory = rss_mb(process.popen.pid)
    finally:
        process.close(timeout=15)
    return elapsed, memory


def time_bare_client() -> tuple[float, float]:
    env = {**os.environ, **ENVIRONMENT}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", BARE_CLIENT],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        elapsed = time.monotonic() - started
        assert line.startswith("READY"), line
        assert int(line.split()[1]) == SERVERS, line
        memory = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)
    return elapsed, memory


def run() -> dict:
    prepare_database()
    scenario = sample.bulk_scenario(guilds=SERVERS, bot_in=SERVERS, user_guilds=10)
    with discordsim(scenario):
        bare_seconds, bare_mb = time_bare_client()
        seconds, memory = time_runbot()
    return {
        "servers": SERVERS,
        "runbot_seconds": seconds,
        "runbot_rss_mb": memory,
        "bare_client_seconds": bare_seconds,
        "bare_client_rss_mb": bare_mb,
        "time_ratio": seconds / bare_seconds,
        "memory_ratio": memory / bare_mb,
        "bar_seconds": 10,
        "bar_mb": 150,
    }
