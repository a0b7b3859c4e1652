"""The FightRise bot: keeps the servers table true from gateway events and serves /fightrise,
its slash commands localized (guildbot.translator).

The source of truth is Discord's gateway (docs: topics/gateway, Guild Create and Guild
Delete). READY lists a shard's servers; GUILD_CREATE follows for each one; a GUILD_CREATE
after that is a join; GUILD_DELETE without `unavailable` is a removal and with
`unavailable: true` an outage, during which the server stays present.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import Any

import discord
from asgiref.sync import sync_to_async
from discord.ext import commands
from django.conf import settings
from django.db import DatabaseError

from guildbot import discordpy, store
from guildbot.commands import FightRiseCommands
from guildbot.translator import Translator

logger = logging.getLogger(__name__)

# Seconds to wait for the bot to close after SIGTERM before giving up on a clean goodbye.
SHUTDOWN_TIMEOUT = 5.0
RECONCILE_ATTEMPTS = 6


def guild_record(guild: discord.Guild) -> store.GuildRecord:
    """What the store keeps of a server, from discord.py's cache."""
    me = guild.me
    return store.GuildRecord(
        guild_id=guild.id,
        name=guild.name or str(guild.id),
        icon=guild.icon.key if guild.icon else "",
        owner_id=guild.owner_id,
        member_count=guild.member_count,
        joined_at=me.joined_at if me is not None else None,
        channels=tuple((channel.id, channel.name) for channel in guild.text_channels),
    )


class FightRiseBot(commands.AutoShardedBot):
    def __init__(self, *, shard_count: int | None = None, shard_ids: Sequence[int] | None = None):
        discordpy.quiet_voice_warnings()
        intents = discord.Intents.none()
        intents.guilds = True  # no privileged intents
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            shard_count=shard_count,
            shard_ids=list(shard_ids) if shard_ids is not None else None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
        )
        # Shards whose startup burst is written; until then events are left to the batch.
        self.ready_shards: set[int] = set()
        self._beating: asyncio.Task | None = None

    def _get_state(self, **options: Any) -> discordpy.ShardConnectionState:
        return discordpy.connection_state(self, **options)

    async def setup_hook(self) -> None:
        # Ask GET /gateway/bot even with a fixed shard count, so DISCORD_BASE_URL decides.
        _, url, _ = await self.http.get_bot_gateway()
        discordpy.use_gateway(url)
        self.tree.add_command(FightRiseCommands())
        await self.load_features()
        # Every command's names and descriptions in each offered language, as synced.
        await self.tree.set_translator(Translator())
        synced = await self.tree.sync()
        logger.info("Synced %d application command(s)", len(synced))
        self._beating = asyncio.create_task(self._heartbeat())

    async def load_features(self) -> None:
        """The discord.py extensions BOT_EXTENSIONS names (tournaments by default), loaded
        by name, so that this package never imports the features it runs."""
        for name in settings.BOT_EXTENSIONS:
            await self.load_extension(name)
            logger.info("Loaded extension %s", name)

    def connected_shards(self) -> list[int]:
        return sorted(shard_id for shard_id, shard in self.shards.items() if not shard.is_closed())

    async def _heartbeat(self) -> None:
        """Say which shards are connected, every BOT_HEARTBEAT_SECONDS: the dashboard and
        the manage page tell organisers when the bot has been silent for a minute."""
        while True:
            connected = self.connected_shards()
            if connected and self.shard_count:
                try:
                    await sync_to_async(store.beat)(connected, shard_count=self.shard_count)
                except DatabaseError:
                    logger.exception("Could not record the heartbeat of shard(s) %s", connected)
            await asyncio.sleep(settings.BOT_HEARTBEAT_SECONDS)

    async def close(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
        await super().close()

    def shard_guilds(self, shard_id: int) -> list[discord.Guild]:
        return [guild for guild in self.guilds if guild.shard_id == shard_id]

    async def on_shard_connect(self, shard_id: int) -> None:
        # A new READY (not a resume) starts a new burst for this shard.
        self.ready_shards.discard(shard_id)

    async def on_shard_ready(self, shard_id: int) -> None:
        guilds = self.shard_guilds(shard_id)
        available = [guild_record(guild) for guild in guilds if not guild.unavailable]
        outage = [guild.id for guild in guilds if guild.unavailable]
        written, left = await self._reconcile(shard_id, available, outage)
        self.ready_shards.add(shard_id)
        # Joins and removals that arrived while the burst was being written: the cache knows.
        listed = {item.guild_id for item in available} | set(outage)
        current = self.shard_guilds(shard_id)
        late = [
            guild_record(guild)
            for guild in current
            if guild.id not in listed and not guild.unavailable
        ]
        gone = listed - {guild.id for guild in current}
        if late:
            await sync_to_async(store.record_present)(late)
        if gone:
            await sync_to_async(store.record_left)(gone)
        logger.info(
            "Shard %d ready: %d server(s) present, %d unavailable, %d left since last run",
            shard_id,
            written + len(late),
            len(outage),
            left + len(gone),
        )

    async def _reconcile(self, shard_id: int, available, outage) -> tuple[int, int]:
        """Write the burst, retrying while the database is away (a restart, a failover)."""
        for attempt in range(RECONCILE_ATTEMPTS):
            try:
                return await sync_to_async(store.reconcile_shards)(
                    available, still_in=outage, shard_ids=[shard_id], shard_count=self.shard_count
                )
            except DatabaseError:
                logger.exception(
                    "Could not record shard %d's servers (attempt %d)", shard_id, attempt + 1
                )
                await asyncio.sleep(min(30, 2**attempt))
        logger.error("Gave up recording shard %d's startup servers; events still apply", shard_id)
        return 0, 0

    async def _record_after_burst(self, guild: discord.Guild) -> bool:
        """Write a server now, unless its shard's startup burst (which will) is still open."""
        if guild.shard_id not in self.ready_shards:
            return False
        await sync_to_async(store.record_present)([guild_record(guild)])
        return True

    async def on_guild_join(self, guild: discord.Guild) -> None:
        if await self._record_after_burst(guild):
            logger.info("Joined server %s (%s)", guild.id, guild.name)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        if await self._record_after_burst(guild):
            logger.info("Server %s is available again", guild.id)

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        await sync_to_async(store.record_present)([guild_record(after)])

    async def _channels_changed(self, channel: discord.abc.GuildChannel) -> None:
        if isinstance(channel, discord.TextChannel):
            await self._record_after_burst(channel.guild)

    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        await self._channels_changed(channel)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self._channels_changed(channel)

    async def on_guild_channel_update(self, before, after: discord.abc.GuildChannel) -> None:
        if before.name != after.name or before.position != after.position:
            await self._channels_changed(after)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await sync_to_async(store.record_left)([guild.id])
        logger.info("Removed from server %s", guild.id)

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        logger.info("Server %s is unavailable (an outage); it stays present", guild.id)


async def run(token: str, *, shard_count: int | None, shard_ids: Sequence[int] | None) -> None:
    """Run the bot until it fails or SIGTERM/SIGINT arrives, then close within seconds."""
    discordpy.use_discord_at(settings.DISCORD_BASE_URL)
    bot = FightRiseBot(shard_count=shard_count, shard_ids=shard_ids)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with bot:
        running = asyncio.create_task(bot.start(token))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            logger.info("Stopping on signal")
            try:
                await asyncio.wait_for(bot.close(), SHUTDOWN_TIMEOUT)
            except TimeoutError:
                logger.warning("The bot did not close within %ss", SHUTDOWN_TIMEOUT)
            running.cancel()
        else:
            stopping.cancel()
        try:
            await running
        except asyncio.CancelledError:
            pass
    logger.info("Bot stopped")
