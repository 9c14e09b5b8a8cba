"""Pricing: the instance catalog with every scanned region's hot prices, and the worker that refreshes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import CatalogSettings, ScanSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.cache.hot_prices import RedisHotPrices
    from spothive.adapters.catalog_source import HotCatalogSource
    from spothive.ports.pricing import PriceFeed
    from spothive.services.prices import PriceRefresher


@component
def hot_prices() -> RedisHotPrices:
    """Spot and On-Demand prices of every scanned region cached in Redis."""
    from spothive.adapters.cache.hot_prices import RedisHotPrices

    return RedisHotPrices(kernel.cache())


@component
def catalogs() -> HotCatalogSource:
    """The instance catalog priced per region with the hot prices."""
    from spothive.adapters.catalog_source import HotCatalogSource

    return HotCatalogSource(hot_prices(), kernel.clock(), settings.load(CatalogSettings).catalog_csv)


def price_feed(region: str) -> PriceFeed:
    """Where a region's prices come from: the AWS Pricing and EC2 APIs, or the built-in snapshot offline
    (the snapshot's prices for every region: the local stack has no other)."""
    from spothive.adapters.aws.price_feed import AwsPriceFeed
    from spothive.adapters.memory.price_feed import SnapshotPriceFeed

    if settings.load(CatalogSettings).price_source == "snapshot":
        return SnapshotPriceFeed(catalogs().snapshot)
    return AwsPriceFeed(region)


@component
def price_refresher() -> PriceRefresher:
    """The price worker's use case: every scanned region, with its ingested Advisor state."""
    from spothive.adapters.dynamo.interruption_rates import DynamoInterruptionRates
    from spothive.services.prices import PriceRefresher

    kernel.core()  # binds the interruption-rates model to this deployment's table
    types = sorted(catalogs().snapshot.types)
    regions = settings.load(ScanSettings).regions
    return PriceRefresher(price_feed, hot_prices(), kernel.clock(), types, regions, DynamoInterruptionRates())
