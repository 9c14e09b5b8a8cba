"""The PriceFeed port: where on-demand prices, spot prices per pool and Spot Advisor buckets come from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from spothive.domain.catalog import AdvisorEntry


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
