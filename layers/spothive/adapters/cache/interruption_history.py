"""Seen interruption signals per instance family: ``hive:events:<family>`` sorted sets (score = epoch ms)
and the set ``hive:families`` naming them, so reading every family is SMEMBERS + one pipeline (no SCAN)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import redis

FAMILIES = "hive:families"
PREFIX = "hive:events:"
#: Events older than this are trimmed on each write (the tuning looks at most this far back).
KEEP = timedelta(days=30)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


class RedisInterruptionHistory:
    """``InterruptionHistory`` in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def record(self, family: str, at: datetime) -> None:
        key = PREFIX + family
        pipe = self._redis.pipeline()
        pipe.sadd(FAMILIES, family)
        pipe.zadd(key, {f"{_ms(at)}:{os.urandom(4).hex()}": _ms(at)})  # two events in one ms stay two
        pipe.zremrangebyscore(key, "-inf", f"({_ms(at - KEEP)}")
        pipe.execute()

    def times(self, family: str, since: datetime) -> list[datetime]:
        raw = self._redis.zrangebyscore(PREFIX + family, _ms(since), "+inf", withscores=True)
        return [datetime.fromtimestamp(score / 1000, UTC) for _, score in raw]

    def all_times(self, since: datetime) -> dict[str, list[datetime]]:
        families = sorted(str(f.decode() if isinstance(f, bytes) else f) for f in self._redis.smembers(FAMILIES))
        pipe = self._redis.pipeline()
        for family in families:
            pipe.zrangebyscore(PREFIX + family, _ms(since), "+inf", withscores=True)
        return {f: [datetime.fromtimestamp(score / 1000, UTC) for _, score in rows]
                for f, rows in zip(families, pipe.execute(), strict=True)}
