"""Discord snowflakes: parse an id, from Discord or from a person's browser, or refuse it.

Docs: reference, Snowflakes. A snowflake is a 64-bit integer whose top 42 bits are
milliseconds since the Discord epoch (2015-01-01T00:00:00Z); as a string it has 17 to 20
digits for any id made since early 2015.
"""

from __future__ import annotations

import time

DISCORD_EPOCH_MS = 1_420_070_400_000
# Discord's clock is not ours: an id Discord made a moment ago (a new server, on the
# dashboard or in the bot callback) may carry a timestamp this far ahead of our clock.
DISCORD_CLOCK_LEEWAY_MS = 60_000


def timestamp_ms(snowflake: int) -> int:
    """When the object was created, in Unix milliseconds."""
    return (snowflake >> 22) + DISCORD_EPOCH_MS


def parse_discord_id(value: object, *, now_ms: int | None = None) -> int | None:
    """The id as an int when `value` is a valid snowflake string, else None.

    Valid: 17 to 20 ASCII digits without a leading zero, below 2**64, and an embedded
    timestamp at most DISCORD_CLOCK_LEEWAY_MS ahead of our clock (`now_ms`, Unix ms).
    """
    if not isinstance(value, str) or not 17 <= len(value) <= 20:
        return None
    if not (value.isascii() and value.isdigit()) or value[0] == "0":
        return None
    number = int(value)
    if number >= 2**64:
        return None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if timestamp_ms(number) > now_ms + DISCORD_CLOCK_LEEWAY_MS:
        return None
    return number


def shard_of(guild_id: int, shard_count: int) -> int:
    """The gateway shard that receives a server's events (docs: topics/gateway, Sharding)."""
    return (guild_id >> 22) % shard_count
