"""One Redis connection pool per process (ElastiCache Valkey on AWS, redis-server locally)."""

from __future__ import annotations

from functools import lru_cache

import redis


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """A client with short timeouts: a slow cache must not stall a request."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )
