"""Agent spot-signal ids already reported, in Redis: ``agent:signal:{org}:{cluster}:{id}`` for a day."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from spothive.domain.errors import ServiceUnavailable

PREFIX = "agent:signal:"
TTL_SECONDS = 24 * 3600


class RedisSeenSignals:
    """``SeenSignals`` by ``SET NX`` per id (the agent reports each id once per process; restarts repeat)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def first_seen(self, org_id: str, cluster_id: str, signal_ids: Sequence[str]) -> list[str]:
        try:
            pipe = self._redis.pipeline()
            for sid in signal_ids:
                pipe.set(f"{PREFIX}{org_id}:{cluster_id}:{sid}", "1", nx=True, ex=TTL_SECONDS)
            created = pipe.execute()
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"signal deduplication unavailable: {exc}") from exc
        return [sid for sid, new in zip(signal_ids, created, strict=True) if new]
