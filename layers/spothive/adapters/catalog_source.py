"""The catalog the services price with: the built-in (or a CSV) catalog with hot Spot prices over it."""

from __future__ import annotations

import logging

import redis

from spothive.domain.catalog import Catalog, load_builtin_catalog, load_catalog_csv
from spothive.ports.pricing import HotPrices

logger = logging.getLogger(__name__)


class HotCatalogSource:
    """``CatalogSource``: instance types from the shipped snapshot (or ``csv_path``), Spot prices from the
    hot cache when it has them. With the cache empty or down, the snapshot's own prices are used."""

    def __init__(self, hot: HotPrices | None, csv_path: str = "") -> None:
        self._base = load_catalog_csv(csv_path) if csv_path else load_builtin_catalog()
        self._hot = hot

    def catalog(self) -> Catalog:
        if self._hot is None:
            return self._base
        try:
            spot = self._hot.spot()
        except redis.RedisError:
            logger.warning("hot prices unavailable; pricing with the catalog snapshot")
            return self._base
        if not spot:
            return self._base
        merged = {**self._base.spot_prices, **spot}
        return self._base.with_prices(spot_prices=merged)
