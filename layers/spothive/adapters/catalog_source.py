"""The catalog the services price with: the built-in (or a CSV) catalog with a region's hot prices over it."""

from __future__ import annotations

import logging
from datetime import timedelta

import redis

from spothive.domain.catalog import Catalog, load_builtin_catalog, load_catalog_csv
from spothive.domain.price_freshness import FRESHNESS_TTL, RegionPrices, priced_catalog
from spothive.ports.clock import Clock
from spothive.ports.pricing import HotPrices

logger = logging.getLogger(__name__)


class HotCatalogSource:
    """``CatalogSource``: instance types from the shipped snapshot (or ``csv_path``), priced for the asked
    region from the hot cache by ``domain.price_freshness`` (which also lays the region's ingested Advisor
    buckets over the snapshot's). With the cache down, the snapshot's prices, marked estimated."""

    def __init__(self, hot: HotPrices | None, clock: Clock, csv_path: str = "",
                 ttl: timedelta = FRESHNESS_TTL) -> None:
        self._base = load_catalog_csv(csv_path) if csv_path else load_builtin_catalog()
        self._hot = hot
        self._clock = clock
        self._ttl = ttl

    @property
    def snapshot(self) -> Catalog:
        """The shipped (or CSV) catalog, unpriced by the hot cache."""
        return self._base

    def catalog(self, region: str) -> Catalog:
        """The catalog priced for ``region`` now (one HGETALL)."""
        return priced_catalog(self._base, region, self._latest(region), self._clock.now(), self._ttl)

    def _latest(self, region: str) -> RegionPrices | None:
        if self._hot is None:
            return None
        try:
            return self._hot.latest(region)
        except redis.RedisError:
            logger.warning("hot prices unavailable; pricing %s with the catalog snapshot", region)
            return None
