"""Two regions' prices from AWS (botocore Stubbers: moto has no Pricing API) refreshed into the hot cache:
the Pricing API is always asked in us-east-1 for the region's location, Spot per AZ in the region itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from spothive.adapters.aws.price_feed import AwsPriceFeed
from spothive.services.prices import PriceRefresher, PriceRefreshFailed
from tests.support.fakes import NOW, FixedClock, MemoryHotPrices

LOCATIONS = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)"}
ON_DEMAND = {"us-east-1": "0.1920000000", "eu-west-1": "0.2140000000"}


def _price_item(usd: str) -> str:
    return json.dumps({"product": {"attributes": {"instanceType": "m5.xlarge"}},
                       "terms": {"OnDemand": {"T": {"priceDimensions": {"D": {"pricePerUnit": {"USD": usd}}}}}}})


def _filters(region: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in (
        ("location", LOCATIONS[region]), ("operatingSystem", "Linux"), ("tenancy", "Shared"),
        ("preInstalledSw", "NA"), ("capacitystatus", "Used"))]


def _spot_row(region: str, zone: str, price: str, minutes_ago: int) -> dict[str, object]:
    return {"InstanceType": "m5.xlarge", "AvailabilityZone": f"{region}{zone}", "ProductDescription": "Linux/UNIX",
            "SpotPrice": price, "Timestamp": datetime.now(UTC) - timedelta(minutes=minutes_ago)}


def _stubbed_feed(region: str, *, fail_spot: bool = False) -> tuple[AwsPriceFeed, list[Stubber]]:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name=region)
    feed = AwsPriceFeed(region, session=session)
    assert feed.pricing.meta.region_name == "us-east-1" and feed.ec2.meta.region_name == region
    pricing, ec2 = Stubber(feed.pricing), Stubber(feed.ec2)
    pricing.add_response("get_products", {"PriceList": [_price_item(ON_DEMAND[region])], "FormatVersion": "aws_v1"},
                         {"ServiceCode": "AmazonEC2", "Filters": _filters(region)})
    spot_params = {"ProductDescriptions": ["Linux/UNIX"], "StartTime": ANY, "InstanceTypes": ["m5.xlarge"]}
    if fail_spot:
        ec2.add_client_error("describe_spot_price_history", "RequestLimitExceeded", expected_params=spot_params)
    else:
        # two pages (the paginator follows NextToken); the newer row of a zone wins
        ec2.add_response("describe_spot_price_history", {
            "SpotPriceHistory": [_spot_row(region, "a", "0.0900", 30), _spot_row(region, "a", "0.0810", 2)],
            "NextToken": "p2"}, spot_params)
        ec2.add_response("describe_spot_price_history", {"SpotPriceHistory": [_spot_row(region, "b", "0.0790", 5)]},
                         {**spot_params, "NextToken": "p2"})
    pricing.activate()
    ec2.activate()
    return feed, [pricing, ec2]


@pytest.fixture(autouse=True)
def _no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_every_scanned_region_is_refreshed_with_its_own_location_and_zones() -> None:
    # Given Stubbed AWS feeds for us-east-1 and eu-west-1
    feeds = {r: _stubbed_feed(r) for r in ("us-east-1", "eu-west-1")}
    cache = MemoryHotPrices(FixedClock())

    # When the refresher runs
    result = PriceRefresher(lambda r: feeds[r][0], cache, FixedClock(), ["m5.xlarge"],
                            ["us-east-1", "eu-west-1"]).refresh()

    # Then each region holds its own On-Demand price, its zones' latest Spot prices and the fetch time
    eu = cache.latest("eu-west-1")
    assert eu is not None
    assert (eu.on_demand, eu.spot, eu.fetched_at) == (
        {"m5.xlarge": 0.214}, {("m5.xlarge", "eu-west-1a"): 0.081, ("m5.xlarge", "eu-west-1b"): 0.079}, NOW)
    us = cache.latest("us-east-1")
    assert us is not None and us.on_demand == {"m5.xlarge": 0.192}
    assert set(us.spot) == {("m5.xlarge", "us-east-1a"), ("m5.xlarge", "us-east-1b")}
    assert (result.spot_pools, result.on_demand_types, result.failed) == (4, 2, {})
    for _, stubs in feeds.values():
        for stub in stubs:
            stub.assert_no_pending_responses()


def test_a_failing_region_does_not_lose_the_others_refresh_and_the_run_fails() -> None:
    # Given eu-west-1's Spot price history throttled
    feeds = {"us-east-1": _stubbed_feed("us-east-1"), "eu-west-1": _stubbed_feed("eu-west-1", fail_spot=True)}
    cache = MemoryHotPrices(FixedClock())
    refresher = PriceRefresher(lambda r: feeds[r][0], cache, FixedClock(), ["m5.xlarge"], ["eu-west-1", "us-east-1"])

    # When the refresher runs, Then it raises naming the failed region after storing the other
    with pytest.raises(PriceRefreshFailed) as failed:
        refresher.refresh()
    assert list(failed.value.result.failed) == ["eu-west-1"]
    assert "RequestLimitExceeded" in failed.value.result.failed["eu-west-1"]
    assert cache.latest("eu-west-1") is None
    us = cache.latest("us-east-1")
    assert us is not None and us.on_demand == {"m5.xlarge": 0.192}
