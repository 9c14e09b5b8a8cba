"""The SAFE_MODE switch: every mutating action becomes an audited dry run while it is on."""

from __future__ import annotations

import redis

SAFE_MODE_KEY = "SAFE_MODE"

class RedisSafeMode:
    """``SafeModeFlag``: on when the settings say so or Redis holds ``SAFE_MODE = "TRUE"``.

    It fails safe: when Redis cannot be read, SAFE_MODE counts as on.
    """

    def __init__(self, client: redis.Redis, forced: bool = False) -> None:
        self._redis = client
        self._forced = forced

    def is_on(self) -> bool:
        if self._forced:
            return True
        try:
            value = self._redis.get(SAFE_MODE_KEY)
        except redis.RedisError:
            return True
        return str(value).upper() == "TRUE"
