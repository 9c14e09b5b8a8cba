"""Hot prices in Redis: one hash per region, ``prices:<region>``, kept for days after its last refresh.

Fields: ``od|<type>`` and ``spot|<type>|<zone>`` → USD/h, ``adv|<os>#<type>`` → ``bucket,savings`` (the
ingested Spot Advisor state), ``_fetched_at`` → ISO time. Freshness is decided
from ``_fetched_at`` by the reader (``domain.price_freshness``), not by the key expiring: a stale price is
still the last known one the spec's Level-2 fallback needs. Reads are one HGETALL of a known key.
"""

from __future__ import annotations

from datetime import datetime

import redis

from spothive.domain.price_freshness import RegionPrices

#: Last known prices outlive a stopped refresher by a week, then go (a region no longer scanned).
RETENTION_SECONDS = 7 * 24 * 3600
FETCHED_AT = "_fetched_at"


def prices_key(region: str) -> str:
    """The Redis hash holding a region's prices."""
    return f"prices:{region}"


class RedisHotPrices:
    """``HotPrices`` in one Redis hash per region."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def store(self, prices: RegionPrices) -> None:
        """Replace the region's hash whole (in one MULTI) and keep it ``RETENTION_SECONDS``."""
        key = prices_key(prices.region)
        fields = {f"od|{t}": str(p) for t, p in prices.on_demand.items()}
        fields.update({f"spot|{t}|{z}": str(p) for (t, z), p in prices.spot.items()})
        fields.update({f"adv|{pool}": f"{b},{s}" for pool, (b, s) in prices.advisor.items()})
        fields[FETCHED_AT] = prices.fetched_at.isoformat()
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, RETENTION_SECONDS)
        pipe.execute()

    def latest(self, region: str) -> RegionPrices | None:
        """The region's last stored prices, or None when the hash is absent."""
        raw = self._redis.hgetall(prices_key(region))
        if FETCHED_AT not in raw:
            return None
        on_demand: dict[str, float] = {}
        spot: dict[tuple[str, str], float] = {}
        advisor: dict[str, tuple[int, int]] = {}
        for name, value in raw.items():
            kind, _, rest = name.partition("|")
            if kind == "od":
                on_demand[rest] = float(value)
            elif kind == "spot" and "|" in rest:
                itype, zone = rest.split("|", 1)
                spot[(itype, zone)] = float(value)
            elif kind == "adv":
                bucket, _, savings = value.partition(",")
                advisor[rest] = (int(bucket), int(savings))
        return RegionPrices(region, on_demand, spot, datetime.fromisoformat(raw[FETCHED_AT]), advisor)
