"""Agent heartbeats in Redis: ``agent:heartbeat:<org>:<cluster>`` = ISO timestamp, TTL 120 s."""

from __future__ import annotations

from datetime import datetime

import redis

PREFIX = "agent:heartbeat:"
TTL_SECONDS = 120


class RedisHeartbeats:
    """``Heartbeats`` in Redis; an expired key means the agent is gone."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def beat(self, org_id: str, cluster_id: str, at: datetime) -> None:
        self._redis.set(f"{PREFIX}{org_id}:{cluster_id}", at.isoformat(), ex=TTL_SECONDS)

    def last_seen(self, org_id: str, cluster_id: str) -> datetime | None:
        value = self._redis.get(f"{PREFIX}{org_id}:{cluster_id}")
        return datetime.fromisoformat(str(value)) if value else None
