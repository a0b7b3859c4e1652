"""Failing fast while a remote service fails: a circuit breaker shared through the cache, and
a bulkhead bounding how many threads of one process may wait on the service at once.

Neither knows the service: fightrise/discord_api.py puts both in front of every call.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

from django.core.cache import cache

from fightrise import ratelimit

logger = logging.getLogger(__name__)
_now = time.time


class Breaker:
    """Closed, open or half-open, kept in the cache so that every worker and host shares it.

    Closed: calls go through. `failures` failed calls within `window` seconds open it.
    Open: every call is refused at once for `open_seconds`. Half-open: after that, one trial
    call goes through (one across all workers); if it succeeds the breaker closes, if it
    fails it opens again. Each change is logged once, by the worker that made it.
    """

    def __init__(self, name: str, *, failures: int, window: int, open_seconds: float):
        self.name = name
        self.failures = failures
        self.window = window
        self.open_seconds = open_seconds
        # Present while open or half-open: the time from which a trial may go.
        self._open_key = f"breaker:{name}:open-until"
        # Present while a trial call is under way, for as long as one call may take.
        self._trial_key = f"breaker:{name}:trial"

    @contextlib.contextmanager
    def attempt(self, *, failure: type[BaseException], trial_seconds: float) -> Iterator[bool]:
        """Yields whether a call may go now; a `failure` raised in the block counts against
        the service, anything else (an answer, even a refusal) for it."""
        trial = self._admit(trial_seconds)
        if trial is None:
            yield False
            return
        try:
            yield True
        except failure:
            self._failed(trial=trial)
            raise
        except BaseException:
            self._succeeded(trial=trial)
            raise
        self._succeeded(trial=trial)

    def _admit(self, trial_seconds: float) -> bool | None:
        """None: refuse the call. False: an ordinary call. True: the half-open trial."""
        until = cache.get(self._open_key)
        if until is None:
            return False
        if _now() < until:
            return None
        # Half-open. Only one worker wins the add(); the trial key lapses by itself should
        # that worker die mid-call.
        if not cache.add(self._trial_key, 1, max(1, round(trial_seconds))):
            return None
        logger.info("Circuit %s half-open: one trial call goes through", self.name)
        return True

    def _failed(self, *, trial: bool) -> None:
        if trial:
            cache.set(self._open_key, _now() + self.open_seconds, None)
            cache.delete(self._trial_key)
            logger.warning(
                "Circuit %s open again: the trial call failed; calls fail fast for %ss",
                self.name,
                self.open_seconds,
            )
            return
        counted = f"breaker:{self.name}:failures"
        if ratelimit.allow(counted, limit=self.failures - 1, window=self.window):
            return
        if cache.add(self._open_key, _now() + self.open_seconds, None):
            logger.warning(
                "Circuit %s opened: %d failures within %ss; calls fail fast for %ss",
                self.name,
                self.failures,
                self.window,
                self.open_seconds,
            )

    def _succeeded(self, *, trial: bool) -> None:
        if trial:
            cache.delete_many([self._open_key, self._trial_key])
            logger.info("Circuit %s closed: the trial call was answered", self.name)


class Bulkhead:
    """At most `limit` threads of this process inside at once; one more is refused at once.

    A thread inside counts once however many calls it makes, and threads working for one
    already inside (an executor's) or for no request at all (background work, bounded by its
    own pool) enter without counting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._local = threading.local()

    @contextlib.contextmanager
    def enter(self, limit: int) -> Iterator[bool]:
        """Yields whether this thread may go on; False when `limit` threads are inside."""
        if getattr(self._local, "covered", False):
            yield True
            return
        with self._lock:
            if self._inside >= limit:
                admitted = False
            else:
                self._inside += 1
                admitted = True
        if not admitted:
            yield False
            return
        self._local.covered = True
        try:
            yield True
        finally:
            self._local.covered = False
            with self._lock:
                self._inside -= 1

    @contextlib.contextmanager
    def uncounted(self) -> Iterator[None]:
        """Enter freely in this block: this thread is not one the bound is there to keep."""
        previous = getattr(self._local, "covered", False)
        self._local.covered = True
        try:
            yield
        finally:
            self._local.covered = previous
