"""The stale-price rule and the per-region merge of hot prices over the shipped us-east-1 snapshot (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.catalog import AdvisorEntry, Catalog, InstanceType
from spothive.domain.price_freshness import (
    FRESHNESS_TTL,
    RegionPrices,
    combined_basis,
    price_basis,
    priced_catalog,
    region_of_zone,
    with_advisor_state,
)

FETCHED = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
SNAPSHOT = Catalog(
    types={"m5.xlarge": InstanceType.build("m5.xlarge", 4, 16384, ondemand_price=0.192),
           "c5.large": InstanceType.build("c5.large", 2, 4096, ondemand_price=0.085)},
    spot_prices={("m5.xlarge", "us-east-1a"): 0.07},
    advisor={"m5.xlarge": AdvisorEntry(1, 60), "c5.large": AdvisorEntry(0, 50)},
    zones=("us-east-1a",),
)
HOT = RegionPrices("eu-west-1", {"m5.xlarge": 0.214}, {("m5.xlarge", "eu-west-1b"): 0.079}, FETCHED)


def test_fresh_prices_of_the_region_override_the_snapshot_and_are_not_estimated():
    # Given eu-west-1 prices fetched 14 min 59 s ago, When the catalog is priced for eu-west-1
    catalog = priced_catalog(SNAPSHOT, "eu-west-1", HOT, FETCHED + FRESHNESS_TTL - timedelta(seconds=1))

    # Then the region's prices win, a type the feed left out keeps the snapshot's, and nothing is estimated
    assert catalog.price("m5.xlarge", "on-demand", None) == 0.214
    assert catalog.price("m5.xlarge", "spot", "eu-west-1b") == 0.079
    assert catalog.price("c5.large", "on-demand", None) == 0.085
    assert (catalog.region, catalog.zones, catalog.prices_estimated, catalog.prices_as_of) == (
        "eu-west-1", ("eu-west-1b",), False, FETCHED)


def test_prices_at_the_ttl_are_the_last_known_plus_ten_percent_and_estimated():
    catalog = priced_catalog(SNAPSHOT, "eu-west-1", HOT, FETCHED + FRESHNESS_TTL)

    assert catalog.price("m5.xlarge", "on-demand", None) == 0.2354
    assert catalog.price("m5.xlarge", "spot", "eu-west-1b") == 0.0869
    assert catalog.price("c5.large", "on-demand", None) == 0.0935  # the snapshot's, buffered too
    assert (catalog.prices_estimated, catalog.prices_as_of) == (True, FETCHED)


def test_the_stale_reason_says_how_old_the_prices_are():
    basis = price_basis(HOT, "eu-west-1", "us-east-1", FETCHED + timedelta(minutes=42))
    assert (basis.estimated, basis.as_of, basis.reason) == (
        True, FETCHED, "last known prices, 42 min old: + 10 %")


def test_with_nothing_fetched_the_snapshot_region_keeps_its_prices_but_is_estimated():
    catalog = priced_catalog(SNAPSHOT, "us-east-1", None, FETCHED)

    assert catalog.price("m5.xlarge", "spot", "us-east-1a") == 0.07
    assert (catalog.prices_estimated, catalog.prices_as_of) == (True, None)


def test_with_nothing_fetched_another_region_gets_the_snapshot_on_demand_plus_ten_percent_and_no_spot_pools():
    catalog = priced_catalog(SNAPSHOT, "ap-south-1", None, FETCHED)

    assert catalog.price("m5.xlarge", "on-demand", None) == 0.2112
    # no us-east-1 zone is offered to an ap-south-1 cluster: Spot is the Advisor's 60 % off On-Demand
    assert (catalog.zones, catalog.spot_prices) == ((), {})
    assert catalog.price("m5.xlarge", "spot", "ap-south-1a") == 0.08448
    assert (catalog.region, catalog.prices_estimated) == ("ap-south-1", True)


def test_the_ingested_advisor_state_of_the_region_replaces_the_snapshot_buckets():
    hot = RegionPrices("eu-west-1", {}, {}, FETCHED, {"Linux#m5.xlarge": (3, 55), "Windows#c5.large": (4, 10)})

    catalog = priced_catalog(SNAPSHOT, "eu-west-1", hot, FETCHED)

    assert catalog.advisor["m5.xlarge"] == AdvisorEntry(3, 55)
    assert catalog.advisor["c5.large"] == AdvisorEntry(0, 50)  # Windows buckets do not price Linux nodes
    assert with_advisor_state(SNAPSHOT, {}) is SNAPSHOT


def test_prices_from_several_regions_are_estimated_if_any_is_and_as_of_the_oldest():
    fresh = priced_catalog(SNAPSHOT, "eu-west-1", HOT, FETCHED)
    older = priced_catalog(SNAPSHOT, "us-east-2", RegionPrices("us-east-2", {}, {}, FETCHED - timedelta(hours=1)),
                           FETCHED)

    assert combined_basis([fresh]) == (False, FETCHED)
    assert combined_basis([fresh, older]) == (True, FETCHED - timedelta(hours=1))
    assert combined_basis([]) == (False, None)


@pytest.mark.parametrize(("zone", "region"), [
    ("eu-west-1b", "eu-west-1"), ("us-west-2-lax-1a", "us-west-2"), ("us-gov-west-1a", "us-gov-west-1"),
    ("use1-az4", "us-east-1"), ("", "us-east-1"),
])
def test_the_region_of_a_zone(zone, region):
    assert region_of_zone(zone) == region
