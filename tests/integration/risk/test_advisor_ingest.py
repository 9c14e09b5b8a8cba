"""Spot Advisor ingest against the emulator: the shared feed, a synthetic feed, change-only writes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from functions import worker_advisor
from spothive import wiring
from spothive.adapters.aws.advisor_feed import AdvisorFeed
from spothive.adapters.dynamo.interruption_rates import DynamoInterruptionRates
from spothive.services.advisor_ingest import AdvisorIngest
from spothive.services.model_lab import RiskModelHolder
from spothive.services.risk_heuristic import FallbackRiskModel
from spothive.wiring import kernel
from tests.support.fakes import FixedClock
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def _feed(path: Path, c5_bucket: int) -> Path:
    path.write_text(json.dumps({"spot_advisor": {"sa-east-9": {
        "Linux": {"c5.xlarge": {"r": c5_bucket, "s": 61}, "m5.large": {"r": 0, "s": 70}},
        "Windows": {"c5.xlarge": {"r": 2, "s": 40}}}}}))
    return path


@pytest.fixture
def feed_env(hub: dict[str, str]) -> Iterator[None]:
    yield
    os.environ.pop("SPOTHIVE_ADVISOR_FEED", None)
    wiring.reset()


def test_synthetic_feed_writes_only_changed_pools_and_keeps_history(hub: dict[str, str], tmp_path: Path) -> None:
    wiring.reset()
    kernel.core()  # binds the table names
    rates, clock = DynamoInterruptionRates(), FixedClock(datetime(2031, 1, 1, 6, tzinfo=UTC), step=timedelta(hours=6))
    first = AdvisorIngest(AdvisorFeed(str(_feed(tmp_path / "a.json", 1))), rates, clock).run()
    assert (first.status, first.pools, first.changed) == ("updated", 3, 3)
    again = AdvisorIngest(AdvisorFeed(str(tmp_path / "a.json")), rates, clock).run()
    assert (again.status, again.changed) == ("unchanged", 0)
    third = AdvisorIngest(AdvisorFeed(str(_feed(tmp_path / "b.json", 3))), rates, clock).run()
    assert (third.status, third.changed) == ("updated", 1)
    history = rates.history("sa-east-9#Linux#c5.xlarge")
    assert [r for _, r in history] == [(1, 61), (3, 61)] and history[0][0] < history[1][0]
    assert len(rates.history("sa-east-9#Linux#m5.large")) == 1
    items = boto3.resource("dynamodb", region_name="us-east-1").Table("it-interruption-rates").query(
        KeyConditionExpression="pool = :p", ExpressionAttributeValues={":p": "sa-east-9#Linux#c5.xlarge"})["Items"]
    assert int(items[-1]["previous_bucket"]) == 1


def test_offline_without_file_fails_clearly_and_keeps_the_last_state(feed_env: None, tmp_path: Path) -> None:
    os.environ["SPOTHIVE_ADVISOR_FEED"] = str(_feed(tmp_path / "c.json", 2))
    wiring.reset()
    assert worker_advisor.handler({})["status"] in ("updated", "unchanged")
    before = DynamoInterruptionRates().state("sa-east-9")
    os.environ["SPOTHIVE_ADVISOR_FEED"] = str(tmp_path / "missing.json")
    wiring.reset()
    report = worker_advisor.handler({})
    assert report["status"] == "failed" and "not found" in report["reason"]
    assert DynamoInterruptionRates().state("sa-east-9") == before


def test_shared_feed_ingests_and_refreshes_the_model_context(feed_env: None, shared_data: Path) -> None:
    feed = shared_data / "spot-advisor-data_2021-02.json"
    os.environ["SPOTHIVE_ADVISOR_FEED"] = str(feed)
    wiring.reset()
    services = wired()
    holder = RiskModelHolder(FallbackRiskModel(None), lambda r: FallbackRiskModel(None))
    services.pin("risk_model", holder)  # a process that serves a model in process
    report = worker_advisor.handler({})
    assert report["status"] in ("updated", "unchanged") and report["regions"] == 21 and report["pools"] == 7890
    assert report["context_refreshed"]
    assert holder.context is not None and holder.context.buckets[("us-east-1", "c5.xlarge")] in range(5)  # type: ignore[attr-defined]
    state = DynamoInterruptionRates().state("us-east-1")
    expected = json.loads(feed.read_text())["spot_advisor"]["us-east-1"]["Linux"]["c5.xlarge"]
    assert state["Linux#c5.xlarge"] == (expected["r"], expected["s"])
    assert worker_advisor.handler({})["changed"] == 0  # the same feed again writes nothing
