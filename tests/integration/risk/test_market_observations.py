"""Market observations against the emulator: the EC2 requests SpotHive sends, the S3 batches it appends."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from functions import worker_advisor
from spothive import wiring
from spothive.adapters.aws.market_observations import S3MarketObservations
from spothive.adapters.aws.market_source import Ec2MarketSource
from spothive.domain.market_signals import PlacementConfiguration
from spothive.services.market_recorder import MarketRecorder
from tests.support.fakes import FixedClock

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 1, 18, 0, 5, tzinfo=UTC)
M5 = PlacementConfiguration("m5", ("m5.large", "m5.xlarge", "m5.2xlarge"), 10)


@pytest.fixture
def bucket(hub: dict[str, str]) -> str:
    name = f"spothive-market-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
    return name


def _objects(bucket: str, prefix: str) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    return {k: [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=k)["Body"].read().splitlines()]
            for k in sorted(keys)}


def test_scores_are_asked_per_zone_and_both_kinds_land_in_s3_with_their_feature_date(bucket: str) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with Stubber(ec2) as stub:
        stub.add_response("get_spot_placement_scores", {"SpotPlacementScores": [
            {"Region": "us-east-1", "AvailabilityZoneId": "use1-az4", "Score": 9},
            {"Region": "eu-west-1", "AvailabilityZoneId": "euw1-az1", "Score": 4}]},
            {"InstanceTypes": ["m5.large", "m5.xlarge", "m5.2xlarge"], "TargetCapacity": 10,
             "TargetCapacityUnitType": "units", "SingleAvailabilityZone": True,
             "RegionNames": ["us-east-1", "eu-west-1"]})
        for region in ("us-east-1", "eu-west-1"):
            stub.add_response("describe_spot_price_history", {"SpotPriceHistory": [
                {"InstanceType": "m5.large", "AvailabilityZone": f"{region}a", "SpotPrice": "0.0410",
                 "Timestamp": NOW - timedelta(hours=3), "ProductDescription": "Linux/UNIX"},
                {"InstanceType": "m5.large", "AvailabilityZone": f"{region}a", "SpotPrice": "0.0390",
                 "Timestamp": NOW - timedelta(hours=1), "ProductDescription": "Linux/UNIX"}]},
                {"ProductDescriptions": ["Linux/UNIX"], "StartTime": ANY})
        recorder = MarketRecorder(Ec2MarketSource("us-east-1", ec2=ec2), S3MarketObservations(bucket, "us-east-1"),
                                  FixedClock(NOW), regions=["us-east-1", "eu-west-1"], configurations=[M5])
        report = recorder.run()
        stub.assert_no_pending_responses()
    assert report.as_dict() == {"recorded": {"placement-scores": 2, "price-stats": 2}, "failed": {}}
    scores = _objects(bucket, "market/placement-scores/2026-12-01/")
    assert list(scores) == ["market/placement-scores/2026-12-01/180005.jsonl"]
    assert scores["market/placement-scores/2026-12-01/180005.jsonl"][0] == {
        "feature_date": "2026-12-01T18:00:05+00:00", "configuration": "m5", "region": "us-east-1",
        "availability_zone_id": "use1-az4", "score": 9}
    prices = next(iter(_objects(bucket, "market/price-stats/").values()))
    assert [(p["region"], p["samples"], p["minimum"], p["maximum"], p["last"], p["changes"]) for p in prices] == [
        ("us-east-1", 2, 0.039, 0.041, 0.039, 1), ("eu-west-1", 2, 0.039, 0.041, 0.039, 1)]


def test_a_replayed_ingest_never_overwrites_a_recorded_batch(bucket: str) -> None:
    store = S3MarketObservations(bucket, "us-east-1")
    at = NOW + timedelta(minutes=7)
    store.record("price-stats", at, [{"samples": 1}])
    with pytest.raises(Exception, match=r"PreconditionFailed|412"):
        store.record("price-stats", at, [{"samples": 2}])
    assert _objects(bucket, "market/price-stats/2026-12-01/180705")["market/price-stats/2026-12-01/180705.jsonl"][0][
        "samples"] == 1


@pytest.fixture
def advisor_env(bucket: str, tmp_path: Path) -> Iterator[None]:
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"spot_advisor": {"ap-test-7": {"Linux": {"c5.xlarge": {"r": 1, "s": 61}}}}}))
    os.environ.update({"SPOTHIVE_ADVISOR_FEED": str(feed), "SPOTHIVE_DATA_BUCKET": bucket})
    wiring.reset()
    yield
    for name in ("SPOTHIVE_ADVISOR_FEED", "SPOTHIVE_DATA_BUCKET"):
        os.environ.pop(name, None)
    wiring.reset()


def test_the_advisor_worker_records_the_market_and_says_what_the_emulator_refused(
    advisor_env: None, bucket: str
) -> None:
    """moto answers Spot price history (one row per pool, dated 2006, so outside the window) but not placement
    scores: the report says which kind failed, and the price batch is still recorded (empty, but dated)."""
    report = worker_advisor.handler({})
    assert report["status"] in ("updated", "unchanged")
    market = report["market"]
    assert market["recorded"] == {"price-stats": 0}
    assert "not been implemented" in market["failed"]["placement-scores"] or "500" in market["failed"][
        "placement-scores"] or "invalid XML" in market["failed"]["placement-scores"]
    batches = _objects(bucket, "market/price-stats/")
    assert len(batches) == 1 and all(rows == [] for rows in batches.values())
