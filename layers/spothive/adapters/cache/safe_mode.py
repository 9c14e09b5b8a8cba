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


class RedisSafeModeSwitches:
    """``SafeModeSwitches``: ``SAFE_MODE`` (global, the key above), ``SAFE_MODE:org:{org}``,
    ``SAFE_MODE:cluster:{org}:{cluster}`` holding ``TRUE`` or ``FALSE``; an unreadable cache raises
    ``ServiceUnavailable`` so callers fail safe."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def key(scope: str) -> str:
        """The Redis key of a scope (``global`` keeps the historical ``SAFE_MODE``)."""
        return SAFE_MODE_KEY if scope == "global" else f"{SAFE_MODE_KEY}:{scope}"

    def get(self, scope: str) -> bool | None:
        from spothive.domain.errors import ServiceUnavailable

        try:
            value = self._redis.get(self.key(scope))
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"SAFE_MODE unreadable: {exc}") from exc
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else str(value)
        return text.upper() == "TRUE"

    def set(self, scope: str, on: bool) -> None:
        from spothive.domain.errors import ServiceUnavailable

        try:
            self._redis.set(self.key(scope), "TRUE" if on else "FALSE")
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"SAFE_MODE could not be set: {exc}") from exc
