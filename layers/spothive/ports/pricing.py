"""Prices: the feeds, the hot cache and the priced catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from spothive.domain.catalog import AdvisorEntry, Catalog
from spothive.domain.price_freshness import RegionPrices


class CatalogSource(Protocol):
    """The instance catalog priced for a region with the freshest prices known (hot prices over the built-in
    snapshot; ``prices_estimated`` says when they are not fresh ones of that region)."""

    def catalog(self, region: str) -> Catalog: ...


class HotPrices(Protocol):
    """Prices refreshed every five minutes (SVC-PRICE-01), shared by every function."""

    def store(self, prices: RegionPrices) -> None:
        """Replace the region's prices whole."""
        ...

    def latest(self, region: str) -> RegionPrices | None:
        """The region's last stored prices however old (None when never stored); one keyed read."""
        ...


class PriceFeed(Protocol):
    """Prices for a region; implementations: in-memory snapshot (local) and AWS (Pricing + EC2 APIs)."""

    def on_demand_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[str, float]:
        """Hourly Linux on-demand price by instance type."""
        ...

    def spot_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[tuple[str, str], float]:
        """Latest hourly spot price by (instance type, zone)."""
        ...

    def advisor_buckets(self) -> Mapping[str, AdvisorEntry]:
        """Spot Advisor interruption bucket and savings by instance type."""
        ...
