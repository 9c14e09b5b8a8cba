"""Waking the agent's long-poll in Redis: ``agent:actions:wake:{org}:{cluster}`` is a list pushed on enqueue.

The actions themselves live in DynamoDB; a lost wake-up only delays an answer to the next re-check.
Waits are at most 1 s per call, under the client's 2 s socket timeout.
"""

from __future__ import annotations

import time

import redis

WAKE_PREFIX = "agent:actions:wake:"
WAKE_TTL_SECONDS = 60


class RedisActionWake:
    """``ActionWake`` on a Redis list per cluster (one agent leader polls per cluster)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def notify(self, org_id: str, cluster_id: str) -> None:
        key = f"{WAKE_PREFIX}{org_id}:{cluster_id}"
        try:
            pipe = self._redis.pipeline()
            pipe.rpush(key, "1")
            pipe.expire(key, WAKE_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError:
            pass  # the poller re-checks the store every few seconds anyway

    def wait(self, org_id: str, cluster_id: str, timeout_s: float) -> bool:
        if timeout_s < 1:
            time.sleep(max(0.0, timeout_s))
            return False
        key = f"{WAKE_PREFIX}{org_id}:{cluster_id}"
        try:
            woken = self._redis.blpop([key], timeout=1) is not None
            if woken:
                self._redis.delete(key)  # one answer covers every action queued so far
            return woken
        except redis.RedisError:
            time.sleep(1)
            return False
