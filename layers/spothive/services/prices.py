"""SVC-PRICE-01: refresh hot Spot and On-Demand prices from the price feed into the shared cache."""

from __future__ import annotations

from dataclasses import dataclass

from spothive.ports.clock import Clock
from spothive.ports.pricing import HotPrices, PriceFeed


@dataclass(frozen=True, slots=True)
class PriceRefresh:
    """How many prices one refresh stored."""

    spot_pools: int
    on_demand_types: int


class PriceRefresher:
    """Reads the feed once and stores every price (the catalog's types) in the hot cache."""

    def __init__(self, feed: PriceFeed, cache: HotPrices, clock: Clock, instance_types: list[str]) -> None:
        self._feed = feed
        self._cache = cache
        self._clock = clock
        self._types = instance_types

    def refresh(self) -> PriceRefresh:
        """Fetch and store; a failing feed raises so the schedule's retry and alarm see it."""
        spot = dict(self._feed.spot_prices(self._types))
        on_demand = dict(self._feed.on_demand_prices(self._types))
        self._cache.store(spot, on_demand, self._clock.now())
        return PriceRefresh(len(spot), len(on_demand))
