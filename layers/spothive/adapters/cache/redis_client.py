"""One Redis connection pool per process (ElastiCache Valkey on AWS, redis-server locally)."""

from __future__ import annotations

from functools import lru_cache

import redis
from redis.backoff import ConstantBackoff
from redis.retry import Retry

#: One quick retry (a dropped idle connection, a fail-over) instead of the client's default of three
#: with seconds of exponential backoff: with the cache down a request must fail in well under a second.
FAST_RETRY = Retry(ConstantBackoff(0.05), 1)


@lru_cache(maxsize=4)
def redis_client(url: str) -> redis.Redis:
    """A client with short timeouts and one retry: a slow or absent cache must not stall a request."""
    return redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30,
        retry=FAST_RETRY,
    )
