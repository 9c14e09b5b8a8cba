"""Pricing instances of several regions, each with its own region's catalog."""

from __future__ import annotations

from collections.abc import Sequence

from spothive.domain.catalog import Catalog
from spothive.domain.inventory import DiscoveredInstance
from spothive.domain.spend import PricedNode, price_nodes
from spothive.ports.pricing import CatalogSource


def price_by_region(source: CatalogSource, instances: Sequence[DiscoveredInstance]
                    ) -> tuple[list[PricedNode], dict[str, Catalog]]:
    """Each instance priced in its region's catalog (in order), and the catalogs used by region (one read
    of each region's prices)."""
    catalogs = {region: source.catalog(region) for region in dict.fromkeys(i.region for i in instances)}
    priced = [price_nodes(catalogs[i.region], [(i.instance_id, i.instance_type, i.lifecycle, i.zone)])[0]
              for i in instances]
    return priced, catalogs


class CatalogsOnce:
    """A ``CatalogSource`` reading each region's catalog once (one page of a listing prices many orgs);
    safe to share between the threads of one page (a race reads a region twice, never wrongly)."""

    def __init__(self, source: CatalogSource) -> None:
        self._source = source
        self._read: dict[str, Catalog] = {}

    def catalog(self, region: str) -> Catalog:
        """``region``'s catalog, read at its first use."""
        if region not in self._read:
            self._read[region] = self._source.catalog(region)
        return self._read[region]
