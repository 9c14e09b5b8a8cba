"""Fixed-window rate limiting in Redis: one counter per (limit, caller, window)."""

from __future__ import annotations

import logging

import redis

from spothive.domain.errors import RateLimited
from spothive.domain.rate_limits import RateLimit, window_start
from spothive.ports.clock import Clock

logger = logging.getLogger(__name__)


class RedisRateLimiter:
    """Counts with INCR + EXPIRE in one round trip. With Redis down it lets requests through (fails open):
    rate limiting protects capacity, and refusing every request would be the larger outage."""

    def __init__(self, client: redis.Redis, clock: Clock, enabled: bool = True) -> None:
        self._redis = client
        self._clock = clock
        self._enabled = enabled

    def check(self, caller: str, limit: RateLimit) -> None:
        """Count one request; ``RateLimited`` (429) once the caller is over the limit."""
        if not self._enabled:
            return
        now = self._clock.now().timestamp()
        start = window_start(now, limit)
        key = f"ratelimit:{limit.name}:{caller}:{start}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, limit.window_seconds + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError:
            logger.warning("rate limiter unavailable; request allowed")
            return
        if count > limit.limit:
            retry_after = int(start + limit.window_seconds - now) + 1
            raise RateLimited(
                f"rate limit of {limit.limit} per {limit.window_seconds}s exceeded; retry in {retry_after}s",
                retry_after=retry_after,
            )
