"""Hot prices of a region and how far to trust them (SVC-PRICE-01; failure mode "Level 2: last known + 10 %").

Pure: merges a region's last fetched prices over the shipped snapshot and marks the result estimated when the
prices are not fresh ones of that region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from spothive.domain.advisor_feed import Rate
from spothive.domain.catalog import AdvisorEntry, Catalog, InstanceType

#: Prices fetched longer ago than this are stale (three five-minute refresh periods).
FRESHNESS_TTL = timedelta(minutes=15)
#: Buffer on a price that is not fresh: the spec's "last known price + 10 %".
ESTIMATE_BUFFER = 0.10
#: The region of a resource whose own is not known (the shipped snapshot's).
DEFAULT_REGION = "us-east-1"
#: The Spot Advisor OS whose buckets the catalog carries (the catalog prices Linux nodes).
ADVISOR_OS = "Linux"


@dataclass(frozen=True, slots=True)
class RegionPrices:
    """The last prices fetched for one region: On-Demand per type, Spot per (type, zone), when, and the
    region's ingested Spot Advisor state (``{"os#type": (bucket, savings)}``, empty when none was ingested)."""

    region: str
    on_demand: Mapping[str, float]
    spot: Mapping[tuple[str, str], float]
    fetched_at: datetime
    advisor: Mapping[str, Rate] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PriceBasis:
    """What a catalog's prices rest on: estimated or not, fetched when (None: the snapshot), and why."""

    estimated: bool
    as_of: datetime | None
    reason: str


def price_basis(hot: RegionPrices | None, region: str, snapshot_region: str, now: datetime,
                ttl: timedelta = FRESHNESS_TTL) -> PriceBasis:
    """Fresh when ``hot`` was fetched less than ``ttl`` before ``now``; otherwise estimated, with the reason."""
    if hot is None:
        if region == snapshot_region:
            return PriceBasis(True, None, f"no prices fetched for {region}: the shipped snapshot's")
        return PriceBasis(True, None, f"no prices fetched for {region}: the {snapshot_region} snapshot's + 10 %")
    age = now - hot.fetched_at
    if age < ttl:
        return PriceBasis(False, hot.fetched_at, f"fetched {int(age.total_seconds())} s ago")
    return PriceBasis(True, hot.fetched_at, f"last known prices, {int(age.total_seconds() // 60)} min old: + 10 %")


def _buffered(price: float) -> float:
    return round(price * (1 + ESTIMATE_BUFFER), 6)


def _with_on_demand(types: Mapping[str, InstanceType], prices: Mapping[str, float],
                    buffer: bool) -> dict[str, InstanceType]:
    out: dict[str, InstanceType] = {}
    for name, itype in types.items():
        price = prices.get(name, itype.ondemand_price)
        if price is not None and buffer:
            price = _buffered(price)
        out[name] = replace(itype, ondemand_price=price)
    return out


def priced_catalog(snapshot: Catalog, region: str, hot: RegionPrices | None, now: datetime,
                   ttl: timedelta = FRESHNESS_TTL) -> Catalog:
    """The snapshot's types priced for ``region``.

    Fresh hot prices override the snapshot's (a type the feed did not price keeps the snapshot's On-Demand
    price). Stale ones are the last known values + 10 %. With none at all, ``region`` is the snapshot's own:
    its prices as shipped; another region: the snapshot's On-Demand prices + 10 % (us-east-1 is among the
    cheapest regions, so the buffer leans to over- rather than under-stating spend) and no Spot pools — its
    zones are not that region's, so Spot falls back to the Advisor's savings off the On-Demand price.
    Every case but the fresh one is marked estimated. The region's ingested Advisor buckets, when the hot
    prices carry them, replace the snapshot's (they are the scraped feed's, whatever the prices' age).
    """
    basis = price_basis(hot, region, snapshot.region, now, ttl)
    if hot is None:
        if region == snapshot.region:
            return replace(snapshot, prices_estimated=True, prices_as_of=None)
        types = _with_on_demand(snapshot.types, {}, buffer=True)
        return replace(snapshot, types=types, spot_prices={}, zones=(), region=region,
                       prices_estimated=True, prices_as_of=None)
    buffer = basis.estimated
    types = _with_on_demand(snapshot.types, hot.on_demand, buffer)
    spot = {key: _buffered(p) if buffer else p for key, p in hot.spot.items()}
    priced = replace(snapshot, types=types, spot_prices=spot, zones=tuple(sorted({z for _, z in spot})),
                     region=region, prices_estimated=basis.estimated, prices_as_of=basis.as_of)
    return with_advisor_state(priced, hot.advisor)


def with_advisor_state(catalog: Catalog, state: Mapping[str, Rate]) -> Catalog:
    """The catalog with the ingested Advisor buckets (``{"Linux#type": (bucket, savings)}``) of its region over
    the snapshot's; an empty state leaves the snapshot's buckets."""
    prefix = f"{ADVISOR_OS}#"
    ingested = {key[len(prefix):]: AdvisorEntry(bucket, savings)
                for key, (bucket, savings) in state.items() if key.startswith(prefix)}
    if not ingested:
        return catalog
    return replace(catalog, advisor={**catalog.advisor, **ingested})


def combined_basis(catalogs: Iterable[Catalog]) -> tuple[bool, datetime | None]:
    """(estimated, as of) of prices drawn from several catalogs: estimated if any is, as of the oldest fetch."""
    listed = list(catalogs)
    stamps = [c.prices_as_of for c in listed if c.prices_as_of is not None]
    return any(c.prices_estimated for c in listed), min(stamps) if stamps else None


_REGION_OF_ZONE = re.compile(r"^[a-z]{2}(?:-gov)?-[a-z]+-\d+")


def region_of_zone(zone: str, default: str = DEFAULT_REGION) -> str:
    """The region of an Availability Zone name (``eu-west-1b`` → ``eu-west-1``; a Local Zone such as
    ``us-west-2-lax-1a`` → ``us-west-2``); ``default`` for an empty or unrecognised name (AZ IDs, made-up)."""
    found = _REGION_OF_ZONE.match(zone or "")
    return found.group(0) if found else default
