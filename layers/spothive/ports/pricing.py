"""Prices: the feeds, the hot cache and the priced catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from spothive.domain.catalog import AdvisorEntry, Catalog


class CatalogSource(Protocol):
    """The instance catalog with the freshest prices known (hot prices over the built-in snapshot)."""

    def catalog(self) -> Catalog: ...


class HotPrices(Protocol):
    """Prices refreshed every five minutes (SVC-PRICE-01), shared by every function."""

    def store(
        self, spot: dict[tuple[str, str], float], on_demand: dict[str, float], at: datetime
    ) -> None: ...

    def spot(self) -> dict[tuple[str, str], float]: ...


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
