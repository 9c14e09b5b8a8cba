"""Hot prices in Redis: ``spot_prices:<region>`` hash of ``type|zone`` → USD/h (TTL 15 min)."""

from __future__ import annotations

from datetime import datetime

import redis

TTL_SECONDS = 900  # three refresh periods: stale prices expire rather than linger


class RedisHotPrices:
    """``HotPrices`` in two Redis hashes per region."""

    def __init__(self, client: redis.Redis, region: str) -> None:
        self._redis = client
        self._spot_key = f"spot_prices:{region}"
        self._od_key = f"ondemand_prices:{region}"

    def store(self, spot: dict[tuple[str, str], float], on_demand: dict[str, float], at: datetime) -> None:
        pipe = self._redis.pipeline()
        pipe.delete(self._spot_key, self._od_key)
        if spot:
            pipe.hset(self._spot_key, mapping={f"{t}|{z}": str(p) for (t, z), p in spot.items()})
        if on_demand:
            pipe.hset(self._od_key, mapping={t: str(p) for t, p in on_demand.items()})
        pipe.hset(self._spot_key, "_updated_at", at.isoformat())
        pipe.expire(self._spot_key, TTL_SECONDS)
        pipe.expire(self._od_key, TTL_SECONDS)
        pipe.execute()

    def spot(self) -> dict[tuple[str, str], float]:
        raw = self._redis.hgetall(self._spot_key)
        prices: dict[tuple[str, str], float] = {}
        for field, value in raw.items():
            if "|" in field:
                itype, zone = field.split("|", 1)
                prices[(itype, zone)] = float(value)
        return prices
