"""The bot's database writes, in batches: plain sync functions the bot calls off its event loop."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Mod
from django.utils import timezone

from guildbot.models import Guild, GuildConfig, ShardHeartbeat

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
REFRESHED_FIELDS = [
    "name",
    "icon",
    "owner_id",
    "member_count",
    "joined_at",
    "channels",
    "present",
    "left_at",
    "updated_at",
]


@dataclass(frozen=True)
class GuildRecord:
    """What the gateway told us about a server, independent of discord.py's objects."""

    guild_id: int
    name: str
    icon: str = ""
    owner_id: int | None = None
    member_count: int | None = None
    joined_at: datetime | None = None
    # (id, name) of each text channel, in Discord's order.
    channels: tuple[tuple[int, str], ...] = ()

    def to_model(self) -> Guild:
        return Guild(
            guild_id=self.guild_id,
            name=self.name[:100],
            icon=self.icon or "",
            owner_id=self.owner_id,
            member_count=self.member_count,
            joined_at=self.joined_at,
            channels=[{"id": str(channel_id), "name": name} for channel_id, name in self.channels],
            present=True,
            left_at=None,
        )


def _drop_stale_connections() -> None:
    # What Django does around each request, so that a long-running bot survives a database
    # restart; a connection inside a transaction is never touched.
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def database_work(function):
    """Run like a request: drop a connection that broke or aged out before and after."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _drop_stale_connections()
        try:
            return function(*args, **kwargs)
        finally:
            _drop_stale_connections()

    return wrapper


def on_shards(queryset, shard_ids: Iterable[int], shard_count: int):
    """The rows (of any model with a `guild_id`) whose server is on these shards:
    (guild_id >> 22) % shard_count in SQL, as `fightrise.snowflake.shard_of` and Discord's
    gateway count them, so that only this process's shards are read."""
    shard = Mod(F("guild_id").bitrightshift(22), Value(shard_count))
    return queryset.annotate(shard=shard).filter(shard__in=list(shard_ids))


@database_work
def record_present(records: Iterable[GuildRecord]) -> int:
    """Create or refresh these servers as present (a join revives a server the bot left)."""
    return _write_present(records)


@database_work
def record_left(guild_ids: Iterable[int]) -> int:
    """Mark servers the bot was removed from as left; their settings are kept."""
    return _mark_left(guild_ids)


def _write_present(records: Iterable[GuildRecord]) -> int:
    rows = [record.to_model() for record in records]
    for start in range(0, len(rows), BATCH_SIZE):
        Guild.objects.bulk_create(
            rows[start : start + BATCH_SIZE],
            update_conflicts=True,
            unique_fields=["guild_id"],
            update_fields=REFRESHED_FIELDS,
        )
    return len(rows)


def _mark_left(guild_ids: Iterable[int]) -> int:
    ids = list(guild_ids)
    left = 0
    for start in range(0, len(ids), BATCH_SIZE):
        left += Guild.objects.filter(
            guild_id__in=ids[start : start + BATCH_SIZE], present=True
        ).update(present=False, left_at=timezone.now())
    return left


@database_work
def reconcile_shards(
    records: list[GuildRecord],
    *,
    still_in: Iterable[int],
    shard_ids: Iterable[int],
    shard_count: int,
) -> tuple[int, int]:
    """After a shard's startup burst: write every server it sent, and mark as left the
    servers of these shards that the database holds present but Discord did not list.

    `still_in` are servers Discord listed as unavailable (an outage): they stay present.
    Returns (servers written, servers marked left).
    """
    shards = set(shard_ids)
    listed = {record.guild_id for record in records} | set(still_in)
    with transaction.atomic():
        written = _write_present(records)
        present = on_shards(Guild.objects.present(), shards, shard_count).values_list(
            "guild_id", flat=True
        )
        gone = [guild_id for guild_id in present if guild_id not in listed]
        left = _mark_left(gone)
    if left:
        logger.info("Marked %d server(s) of shard(s) %s as left", left, sorted(shards))
    return written, left


@database_work
def config_for(guild_id: int, *, name: str = "") -> GuildConfig:
    """This server's settings. Should a command beat the startup burst, the server row is
    made too, as not present: only the gateway says the bot is in a server (the burst, or the
    next GUILD_CREATE, marks it present)."""
    return _config_for(guild_id, name=name)


def _config_for(guild_id: int, *, name: str) -> GuildConfig:
    guild, _ = Guild.objects.get_or_create(
        guild_id=guild_id, defaults={"name": name[:100] or str(guild_id), "present": False}
    )
    return GuildConfig.objects.for_guild(guild)


@database_work
def set_channels(
    guild_id: int,
    *,
    name: str = "",
    announcement_channel_id: int | None,
    match_channel_id: int | None,
) -> GuildConfig:
    """Set the channels given (None leaves one unchanged) and return the settings."""
    config = _config_for(guild_id, name=name)
    changed = []
    if announcement_channel_id is not None:
        config.announcement_channel_id = announcement_channel_id
        changed.append("announcement_channel_id")
    if match_channel_id is not None:
        config.match_channel_id = match_channel_id
        changed.append("match_channel_id")
    if changed:
        config.save(update_fields=[*changed, "updated_at"])
    return config


@database_work
def beat(shard_ids: Iterable[int], *, shard_count: int) -> None:
    """These shards are connected now (the site says the bot is offline after a silent
    minute)."""
    now = timezone.now()
    ShardHeartbeat.objects.bulk_create(
        [ShardHeartbeat(shard_id=i, shard_count=shard_count, seen_at=now) for i in shard_ids],
        update_conflicts=True,
        unique_fields=["shard_count", "shard_id"],
        update_fields=["seen_at"],
    )
