"""``PoolWatchStore`` in Redis: one JSON value per cluster, ``POOLWATCH:{org}:{cluster}``, read by exact key.

It expires a day after the last write: a watch older than that is long past any hold, so losing it only
forgets a pool that had returned anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import redis

from spothive.domain.errors import ServiceUnavailable
from spothive.domain.pool_recovery import PoolWatch

TTL_SECONDS = 86_400


class RedisPoolWatchStore:
    """Watched pools of a cluster in the hub's cache."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def key(org_id: str, cluster_id: str) -> str:
        """The cluster's key."""
        return f"POOLWATCH:{org_id}:{cluster_id}"

    def get(self, org_id: str, cluster_id: str) -> dict[str, PoolWatch]:
        try:
            raw = self._redis.get(self.key(org_id, cluster_id))
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"pool watches unreadable: {exc}") from exc
        if raw is None:
            return {}
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        try:
            items = json.loads(text)
            return {w.pool: w for w in (PoolWatch.from_dict(i) for i in items)}
        except (ValueError, KeyError, TypeError):
            return {}  # a value this version cannot read counts as no watch: the flags still apply

    def put(self, org_id: str, cluster_id: str, watches: Mapping[str, PoolWatch]) -> None:
        body = json.dumps([w.as_dict() for _, w in sorted(watches.items())])
        try:
            self._redis.set(self.key(org_id, cluster_id), body, ex=TTL_SECONDS)
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"pool watches not written: {exc}") from exc
