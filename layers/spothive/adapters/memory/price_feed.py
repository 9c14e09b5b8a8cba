"""In-memory PriceFeed over a catalog snapshot (the built-in one by default) for tests and the local stack."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from spothive.domain.catalog import AdvisorEntry, Catalog, load_builtin_catalog


class SnapshotPriceFeed:
    """Serves the prices held in a ``Catalog``."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_builtin_catalog()

    def on_demand_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[str, float]:
        """On-demand price by type (unpriced types left out)."""
        wanted = set(instance_types) if instance_types is not None else None
        return {
            name: t.ondemand_price
            for name, t in self.catalog.types.items()
            if t.ondemand_price is not None and (wanted is None or name in wanted)
        }

    def spot_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[tuple[str, str], float]:
        """Spot price by (type, zone)."""
        wanted = set(instance_types) if instance_types is not None else None
        return {k: v for k, v in self.catalog.spot_prices.items() if wanted is None or k[0] in wanted}

    def advisor_buckets(self) -> Mapping[str, AdvisorEntry]:
        """Advisor entries by type."""
        return dict(self.catalog.advisor)
