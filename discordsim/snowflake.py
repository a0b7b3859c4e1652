"""Discord snowflake ids: make them, read their time, check that a string is one."""

from __future__ import annotations

import itertools
import re
import threading
import time
from datetime import UTC, datetime

# Reference > Snowflakes: milliseconds since the first second of 2015, shifted left 22 bits,
# then 5 bits of internal worker id, 5 bits of process id and a 12-bit increment.
DISCORD_EPOCH_MS = 1420070400000
_SNOWFLAKE_RE = re.compile(r"^[0-9]{17,20}$")


def make(at: datetime | int, *, worker: int = 1, process: int = 0, increment: int = 0) -> str:
    """Return the snowflake string for a moment (an aware datetime or Unix milliseconds)."""
    ms = int(at.timestamp() * 1000) if isinstance(at, datetime) else at
    if not 0 <= worker < 32 or not 0 <= process < 32 or not 0 <= increment < 4096:
        raise ValueError("worker and process take 5 bits, increment 12 bits")
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (worker << 17) | (process << 12) | increment)


def timestamp_ms(snowflake: str | int) -> int:
    """Unix milliseconds at which the snowflake was made."""
    return (int(snowflake) >> 22) + DISCORD_EPOCH_MS


def created_at(snowflake: str | int) -> datetime:
    """The aware UTC datetime at which the snowflake was made."""
    return datetime.fromtimestamp(timestamp_ms(snowflake) / 1000, UTC)


def is_valid(value: object) -> bool:
    """True for a decimal string of 17 to 20 digits, below 2**64, whose time is not in the future.

    17 digits is where snowflakes made since 2016 begin; the fightrise callbacks accept the same.
    """
    if not isinstance(value, str) or not _SNOWFLAKE_RE.match(value):
        return False
    number = int(value)
    return number < 2**64 and timestamp_ms(number) <= time.time() * 1000


class Generator:
    """Makes fresh snowflakes for the current time, unique within one process."""

    def __init__(self, worker: int = 3) -> None:
        self._worker = worker
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            increment = next(self._counter) % 4096
        return make(int(time.time() * 1000), worker=self._worker, increment=increment)
