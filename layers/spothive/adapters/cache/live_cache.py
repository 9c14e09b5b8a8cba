"""Short-lived customer-account answers in Redis (``live:<key>``, JSON, with a TTL)."""

from __future__ import annotations

import json
from typing import Any

import redis

PREFIX = "live:"


class RedisLiveCache:
    """``LiveCache``: one GET or one SET with expiry per call; an unreadable value counts as absent."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._redis.get(PREFIX + key)
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        self._redis.set(PREFIX + key, json.dumps(value, separators=(",", ":")), ex=ttl_seconds)
