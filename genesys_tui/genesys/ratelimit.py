"""Client-side rate limiting: stay under the per-token budget, and ease off when the server's
inin-ratelimit-* headers say the window is nearly spent, so big batches never cause 429 storms."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping


class RateLimiter:
    """A token bucket of capacity `burst` refilled at (per_minute - burst) / 60 per second: any
    60-second window then holds at most `per_minute` requests."""

    def __init__(
        self,
        per_minute: int = 300,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        if per_minute < 1:
            raise ValueError("per_minute must be >= 1")
        self.per_minute = per_minute
        self.burst = max(
            1, min(burst if burst is not None else max(1, per_minute // 15), per_minute)
        )
        self.rate = max(per_minute - self.burst, 1) / 60.0
        self._tokens = float(self.burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._hold_until = 0.0
        self._min_interval = 0.0
        self._last_grant = -1e9
        self._lock = asyncio.Lock()
        self.waited = 0.0  # total seconds spent waiting, for tests and stats

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = 0.0
                if self._tokens < 1:
                    wait = (1 - self._tokens) / self.rate
                wait = max(
                    wait, self._hold_until - now, self._last_grant + self._min_interval - now
                )
                if wait <= 1e-6:  # float dust must not turn into an endless loop of tiny sleeps
                    self._tokens -= 1
                    self._last_grant = now
                    return
                self.waited += wait
                await self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read inin-ratelimit-allowed/count/reset from a response."""
        try:
            allowed = int(headers["inin-ratelimit-allowed"])
            count = int(headers["inin-ratelimit-count"])
            reset = float(headers["inin-ratelimit-reset"])
        except (KeyError, ValueError, TypeError):
            return
        if allowed <= 0 or reset < 0:
            return
        now = self._clock()
        remaining = allowed - count
        if remaining <= max(1, allowed // 20):
            # Nearly spent: wait for the window to reset.
            self._hold_until = max(self._hold_until, now + reset)
            self._min_interval = 0.0
        elif remaining < allowed // 5:
            # Getting close: spread what is left over the rest of the window.
            self._min_interval = reset / remaining
        else:
            self._min_interval = 0.0

    def penalize(self, seconds: float) -> None:
        """After a 429: nobody sends until Retry-After has passed."""
        self._hold_until = max(self._hold_until, self._clock() + seconds)
