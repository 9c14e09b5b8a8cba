"""The token deny-list's cache: ``session:blacklist:<jti>`` in Redis in front of the durable deny-list.

Redis holds ``1`` for a revoked token until it would expire, and ``0`` for a token found valid, for a
minute. A miss (a restarted cache, a new token) reads the durable store, so a revocation survives a
Redis restart; with Redis down every check reads the durable store.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime

import redis

from spothive.ports.clock import Clock
from spothive.ports.identity import TokenDenyList

PREFIX = "session:blacklist:"
#: How long a "not revoked" answer is cached (a revocation overwrites it at once in this cache).
VALID_TTL_SECONDS = 60


class CachedTokenDenyList:
    """``TokenDenyList``: the durable ``store`` (source of truth) behind a Redis cache."""

    def __init__(self, store: TokenDenyList, client: redis.Redis, clock: Clock) -> None:
        self._store = store
        self._redis = client
        self._clock = clock

    def revoke(self, token_id: str, until: datetime) -> None:
        """Write the durable record first, then the cache (a cache failure loses nothing)."""
        self._store.revoke(token_id, until)
        ttl = max(1, math.ceil((until - self._clock.now()).total_seconds()))
        with contextlib.suppress(redis.RedisError):
            self._redis.set(PREFIX + token_id, "1", ex=ttl)

    def is_revoked(self, token_id: str) -> bool:
        """The cached answer, else the durable store's (then cached)."""
        try:
            cached = self._redis.get(PREFIX + token_id)
        except redis.RedisError:
            return self._store.is_revoked(token_id)
        if cached is not None:
            return cached in (b"1", "1")
        revoked = self._store.is_revoked(token_id)
        with contextlib.suppress(redis.RedisError):
            self._redis.set(PREFIX + token_id, "1" if revoked else "0", ex=VALID_TTL_SECONDS, nx=True)
        return revoked
