"""Actions for the in-cluster agent on a Redis stream, and the global ``SAFE_MODE`` flag.

``agent:actions:{cluster_id}`` holds one entry per action; ``agent:actions:idem:{job_id}:{index}`` maps
the idempotency key to the entry id, written with the entry by one Lua script, so a retried step
appends nothing new. The agent reads with the consumer group ``agent``: an entry at or before the
group's last-delivered id has been taken, later ones can still be withdrawn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import redis

from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.errors import ServiceUnavailable

STREAM_PREFIX = "agent:actions:"
IDEM_PREFIX = "agent:actions:idem:"
GROUP = "agent"
IDEM_TTL_SECONDS = 7 * 24 * 3600

# KEYS: stream, idempotency key. ARGV: ttl, then field/value pairs. Returns {entry id, 1 if new}.
_ENQUEUE = """
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 0} end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('SET', KEYS[2], id, 'EX', tonumber(ARGV[1]))
return {id, 1}
"""


def stream_key(cluster_id: str) -> str:
    """``agent:actions:{cluster_id}``."""
    return STREAM_PREFIX + cluster_id


def idempotency_key(job_id: str, index: int) -> str:
    """``{job_id}:{index}``: one action of one job."""
    return f"{job_id}:{index}"


def _id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class RedisAgentActions:
    """``AgentActions`` on Redis streams."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._script = client.register_script(_ENQUEUE)

    def enqueue(self, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        ids: list[str] = []
        new = 0
        try:
            for index, action in enumerate(actions):
                key = idempotency_key(job_id, index)
                fields = ["job_id", job_id, "index", str(index), "idempotency_key", key,
                          "action", json.dumps(action, sort_keys=True, default=str)]
                entry_id, created = self._script(keys=[stream_key(cluster_id), IDEM_PREFIX + key],
                                                 args=[IDEM_TTL_SECONDS, *fields])
                ids.append(str(entry_id))
                new += int(created)
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"agent action stream unavailable: {exc}") from exc
        return Enqueued(tuple(ids), new)

    def withdraw(self, cluster_id: str, job_id: str, count: int) -> Withdrawn:
        stream = stream_key(cluster_id)
        try:
            ids = [self._redis.get(IDEM_PREFIX + idempotency_key(job_id, i)) for i in range(count)]
            delivered = self._last_delivered(stream)
            taken = [str(i) for i in ids if i and delivered is not None and _id_tuple(str(i)) <= delivered]
            pending = [str(i) for i in ids if i and str(i) not in taken]
            if pending:
                self._redis.xdel(stream, *pending)
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"agent action stream unavailable: {exc}") from exc
        return Withdrawn(tuple(pending), tuple(taken))

    def _last_delivered(self, stream: str) -> tuple[int, int] | None:
        try:
            groups: Any = self._redis.xinfo_groups(stream)
        except redis.ResponseError:  # no stream yet
            return None
        for group in groups:
            if group.get("name") == GROUP:
                return _id_tuple(str(group.get("last-delivered-id", "0-0")))
        return None

    def entries(self, cluster_id: str) -> list[dict[str, Any]]:
        """Every entry of the cluster's stream (tests and the local console)."""
        return [{"id": entry_id, **fields} for entry_id, fields in self._redis.xrange(stream_key(cluster_id))]


