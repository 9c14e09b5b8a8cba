"""Moving-window rate limiting with the ``limits`` library: Redis shared by every process, memory as the fallback.

Why a moving window (a sliding log): a fixed clock window lets a caller spend its whole allowance at the
end of one window and again at the start of the next (2x the limit within seconds); the moving window
counts exactly the requests of the last ``window_seconds``. ``limits`` keeps at most ``limit`` timestamps
per caller in one Redis list and checks-and-adds them in one Lua script (atomic across Lambdas).

With Redis down every limit degrades to a per-process moving window in memory (same library, same
figures): a caller stays limited within one Lambda sandbox or the local server, nobody is refused
because the cache is down, and on AWS the API Gateway stage throttle stays the outer bound. The
fallback is logged once per outage, and while it lasts Redis is tried again at most every
``RETRY_REDIS_SECONDS`` so an outage costs no request a connection timeout.
"""

from __future__ import annotations

import logging
import math
import threading
import time

import redis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from spothive.domain.errors import RateLimited
from spothive.domain.rate_limits import RateLimit

logger = logging.getLogger(__name__)

KEY_PREFIX = "ratelimit"
RETRY_REDIS_SECONDS = 5.0


def _item(limit: RateLimit) -> RateLimitItem:
    return RateLimitItemPerSecond(limit.limit, limit.window_seconds, namespace=limit.name)


class RedisRateLimiter:
    """``check(caller, limit)`` counts one request and raises ``RateLimited`` (429) once over the limit."""

    def __init__(self, client: redis.Redis, enabled: bool = True) -> None:
        self._enabled = enabled
        self._shared = MovingWindowRateLimiter(
            RedisStorage("redis://", connection_pool=client.connection_pool, key_prefix=KEY_PREFIX))
        self._local: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()
        self._degraded = False
        self._redis_retry_at = 0.0

    @property
    def degraded(self) -> bool:
        """Whether the last check ran on the in-process fallback (Redis unreachable)."""
        return self._degraded

    def check(self, caller: str, limit: RateLimit) -> None:
        """Count one request for ``caller``; ``RateLimited`` with ``retry_after`` once over ``limit``."""
        if not self._enabled:
            return
        item = _item(limit)
        limiter, allowed = self._hit(item, caller)
        if allowed:
            return
        retry_after = self._retry_after(limiter, item, caller)
        raise RateLimited(
            f"rate limit of {limit.limit} per {limit.window_seconds}s exceeded; retry in {retry_after}s",
            retry_after=retry_after,
        )

    def _hit(self, item: RateLimitItem, caller: str) -> tuple[MovingWindowRateLimiter, bool]:
        """Count on Redis; on the in-process window while Redis is down (re-tried every few seconds)."""
        if not self._degraded or time.monotonic() >= self._redis_retry_at:
            try:
                allowed = self._shared.hit(item, caller)
            except redis.RedisError as exc:
                if not self._degraded:
                    logger.warning("rate limiter: Redis unavailable (%s); limiting per process until it is back",
                                   exc)
                self._degraded = True
                self._redis_retry_at = time.monotonic() + RETRY_REDIS_SECONDS
            else:
                if self._degraded:
                    logger.info("rate limiter back on Redis")
                    self._degraded = False
                return self._shared, allowed
        local = self._fallback()
        return local, local.hit(item, caller)

    def _fallback(self) -> MovingWindowRateLimiter:
        with self._lock:
            if self._local is None:
                self._local = MovingWindowRateLimiter(MemoryStorage())
            return self._local

    @staticmethod
    def _retry_after(limiter: MovingWindowRateLimiter, item: RateLimitItem, caller: str) -> int:
        """Whole seconds until the oldest counted request leaves the window (at least 1)."""
        try:
            reset = limiter.get_window_stats(item, caller).reset_time
        except redis.RedisError:
            return int(item.get_expiry())
        return max(1, math.ceil(reset - time.time()))
