"""The token deny-list: ``session:blacklist:<jti>`` with a TTL that ends when the token would."""

from __future__ import annotations

import math
from datetime import datetime

import redis

from spothive.domain.errors import ServiceUnavailable
from spothive.ports.clock import Clock

PREFIX = "session:blacklist:"


class RedisTokenDenyList:
    """``TokenDenyList`` in Redis. It fails closed: with Redis down no token is accepted (503)."""

    def __init__(self, client: redis.Redis, clock: Clock) -> None:
        self._redis = client
        self._clock = clock

    def revoke(self, token_id: str, until: datetime) -> None:
        ttl = max(1, math.ceil((until - self._clock.now()).total_seconds()))
        try:
            self._redis.set(PREFIX + token_id, "1", ex=ttl)
        except redis.RedisError as exc:
            raise ServiceUnavailable("the session store is unavailable; try again") from exc

    def is_revoked(self, token_id: str) -> bool:
        try:
            return bool(self._redis.exists(PREFIX + token_id))
        except redis.RedisError as exc:
            raise ServiceUnavailable("the session store is unavailable; try again") from exc
