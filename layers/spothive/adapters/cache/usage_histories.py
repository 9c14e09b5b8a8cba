"""Right-sizing histories in Redis: one hash per cluster, ``rightsizing:{org}:{cluster}``, a field per workload.

Each field holds a workload's history as compact JSON (docs/formats.md, right-sizing history); the key's TTL
(the 14-day window plus a day) is renewed by every fold, so a cluster whose agent stopped reporting ages out
without a sweeper. A fold is HMGET of the sample's workloads and HLEN under WATCH, then HSET and EXPIRE in
MULTI: two round trips whatever the cluster's size, retried when another fold of the cluster wrote between.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import redis

from spothive.domain.errors import ServiceUnavailable
from spothive.domain.rightsizing_history import WINDOW_S, WorkloadHistory
from spothive.ports.rightsizing import Fold

PREFIX = "rightsizing:"
TTL_SECONDS = int(WINDOW_S) + 24 * 3600
#: Folds of one cluster that may collide before the sample is given up (the agent sends the next in a minute).
ATTEMPTS = 5


def history_key(org_id: str, cluster_id: str) -> str:
    """The Redis key of a cluster's histories."""
    return f"{PREFIX}{org_id}:{cluster_id}"


class RedisUsageHistories:
    """``UsageHistories`` in a Redis hash per cluster (never KEYS or SCAN: the key is known)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def fold(self, org_id: str, cluster_id: str, keys: Sequence[str], update: Fold) -> None:
        name = history_key(org_id, cluster_id)
        fields = list(dict.fromkeys(keys))
        if not fields:
            return
        try:
            with self._redis.pipeline() as pipe:
                for _ in range(ATTEMPTS):
                    try:
                        pipe.watch(name)
                        raw = pipe.hmget(name, fields)
                        known = int(pipe.hlen(name))
                        stored = {k: _read(v) for k, v in zip(fields, raw, strict=True) if v}
                        changed = update(stored, known)
                        pipe.multi()
                        if changed:
                            pipe.hset(name, mapping={k: _write(h) for k, h in changed.items()})
                        pipe.expire(name, TTL_SECONDS)
                        pipe.execute()
                        return
                    except redis.WatchError:
                        continue
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"right-sizing history unavailable: {exc}") from exc
        raise ServiceUnavailable("right-sizing history busy: the cluster's history kept changing")

    def all(self, org_id: str, cluster_id: str) -> dict[str, WorkloadHistory]:
        try:
            raw = self._redis.hgetall(history_key(org_id, cluster_id))
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"right-sizing history unavailable: {exc}") from exc
        return {str(k): _read(v) for k, v in raw.items()}


def _read(value: str | bytes) -> WorkloadHistory:
    return WorkloadHistory.from_dict(json.loads(value))


def _write(history: WorkloadHistory) -> str:
    return json.dumps(history.to_dict(), separators=(",", ":"))
