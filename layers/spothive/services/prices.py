"""SVC-PRICE-01: refresh every scanned region's hot Spot and On-Demand prices into the shared cache."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spothive.domain.errors import DependencyFailed
from spothive.domain.price_freshness import RegionPrices
from spothive.ports.clock import Clock
from spothive.ports.pricing import HotPrices, PriceFeed
from spothive.ports.risk import InterruptionRates

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PriceRefresh:
    """How many prices one refresh stored (over every region) and which regions failed, with why."""

    spot_pools: int
    on_demand_types: int
    regions: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)


class PriceRefreshFailed(DependencyFailed):
    """Some regions could not be refreshed (the others were); carries the partial result."""

    def __init__(self, result: PriceRefresh) -> None:
        super().__init__("price refresh failed for " + ", ".join(f"{r}: {e}" for r, e in result.failed.items()))
        self.result = result


class PriceRefresher:
    """Reads each region's feed once and stores its prices (the catalog's types) in the hot cache, with the
    region's ingested Spot Advisor state beside them so readers get both in one keyed read."""

    def __init__(self, feed_for: Callable[[str], PriceFeed], cache: HotPrices, clock: Clock,
                 instance_types: list[str], regions: Sequence[str],
                 rates: InterruptionRates | None = None) -> None:
        self._feed_for = feed_for
        self._cache = cache
        self._clock = clock
        self._types = instance_types
        self._regions = tuple(dict.fromkeys(regions))
        self._rates = rates

    def refresh(self) -> PriceRefresh:
        """Fetch and store every region; one failing region does not stop the others, and the refresh raises
        ``PriceRefreshFailed`` at the end so the schedule's retry and alarm see it."""
        spot_pools = on_demand_types = 0
        failed: dict[str, str] = {}
        for region in self._regions:
            try:
                prices = self._fetch(region)
                self._cache.store(prices)
            except Exception as exc:  # any region's failure is recorded, the others still refreshed
                LOG.warning("price refresh of %s failed: %s", region, exc)
                failed[region] = f"{type(exc).__name__}: {exc}"
                continue
            spot_pools += len(prices.spot)
            on_demand_types += len(prices.on_demand)
        result = PriceRefresh(spot_pools, on_demand_types, self._regions, failed)
        if failed:
            raise PriceRefreshFailed(result)
        return result

    def _fetch(self, region: str) -> RegionPrices:
        feed = self._feed_for(region)
        spot = dict(feed.spot_prices(self._types))
        on_demand = dict(feed.on_demand_prices(self._types))
        advisor = self._rates.state(region) if self._rates is not None else {}
        return RegionPrices(region, on_demand, spot, self._clock.now(), advisor)
