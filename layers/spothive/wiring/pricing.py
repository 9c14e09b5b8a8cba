"""Pricing: the instance catalog with hot prices, and the worker that refreshes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import CatalogSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.cache.hot_prices import RedisHotPrices
    from spothive.adapters.catalog_source import HotCatalogSource
    from spothive.ports.pricing import PriceFeed
    from spothive.services.prices import PriceRefresher


@component
def hot_prices() -> RedisHotPrices:
    """Spot and On-Demand prices cached in Redis."""
    from spothive.adapters.cache.hot_prices import RedisHotPrices

    return RedisHotPrices(kernel.cache(), kernel.core().region)


@component
def catalogs() -> HotCatalogSource:
    """The instance catalog priced with the hot prices."""
    from spothive.adapters.catalog_source import HotCatalogSource

    return HotCatalogSource(hot_prices(), settings.load(CatalogSettings).catalog_csv)


@component
def price_feed() -> PriceFeed:
    """Where prices come from: the AWS Pricing and EC2 APIs, or the built-in snapshot offline."""
    from spothive.adapters.aws.price_feed import AwsPriceFeed
    from spothive.adapters.memory.price_feed import SnapshotPriceFeed

    if settings.load(CatalogSettings).price_source == "snapshot":
        return SnapshotPriceFeed(catalogs().catalog())
    return AwsPriceFeed(kernel.core().region)


@component
def price_refresher() -> PriceRefresher:
    """The price worker's use case."""
    from spothive.services.prices import PriceRefresher

    types = sorted(catalogs().catalog().types)
    return PriceRefresher(price_feed(), hot_prices(), kernel.clock(), types)
