"""The served risk model is recalibrated on each Advisor feed that changes pools (moto S3 + DynamoDB).

Given two feeds a transition apart, the worker ingests the second, the served model is recalibrated on the
transition, the calibration is stored versioned beside the models with the model card, the in-process
model scores with it at once, a second warm process follows it, and the admin API shows the card.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions import model_endpoint, worker_advisor
from spothive import wiring
from spothive.commands.admin import create_super_admin
from spothive.contracts.risk_v1 import RiskInput
from spothive.services.model_lab import RiskModelHolder
from spothive.services.model_recalibration import FollowedModel, served_primary
from spothive.services.risk_heuristic import FallbackRiskModel
from spothive.wiring import risk
from spothive_models.serving import LightGBMRiskModel
from tests.integration.slice.helpers import PASSWORD, api
from tests.models.transition_feeds import doubling_feeds, write_feed
from tests.support.fakes import FixedClock
from tests.support.wired import wired

pytestmark = pytest.mark.integration

PROBE_BODY = {"contract_version": "v1.0", "features": {
    "instance_type": "m5.large", "availability_zone": "us-east-1a", "spot_price_history": [0.05],
    "hour_of_day": 3, "day_of_week": 1, "horizon_days": 1}}
PROBE = RiskInput.model_validate(PROBE_BODY)


@pytest.fixture
def served(isolated_tables: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A fresh model bucket and tables, a pinned clock, and a process that serves the shipped model."""
    bucket = f"it-calibration-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    saved = {k: os.environ.get(k) for k in ("SPOTHIVE_MODEL_BUCKET", "SPOTHIVE_ADVISOR_FEED")}
    os.environ["SPOTHIVE_MODEL_BUCKET"] = bucket
    feed = tmp_path / "feed.json"
    os.environ["SPOTHIVE_ADVISOR_FEED"] = str(feed)
    wiring.reset()
    services = wired()
    services.pin("clock", FixedClock(datetime(2031, 3, 1, 6, tzinfo=UTC), step=timedelta(hours=6)))
    primary = LightGBMRiskModel.from_artifact()
    holder = RiskModelHolder(FallbackRiskModel(primary), lambda record: FallbackRiskModel(None))
    services.pin("risk_model", holder)  # the worker's process serves the model in process
    yield {"bucket": bucket, "feed": feed, "holder": holder, "primary": primary}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    wiring.reset()


def _uncalibrated(holder: RiskModelHolder) -> float:
    """What the shipped model says for the probe in the holder's context, without any calibration."""
    plain = LightGBMRiskModel.from_artifact(context=holder.context)  # type: ignore[arg-type]
    return plain.predict([PROBE])[0].interruption_probability


def _objects(bucket: str) -> list[str]:
    listing = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_doubled_high_share_recalibrates_the_served_model_and_the_card_records_it(served: dict[str, Any]) -> None:
    previous, fresh = doubling_feeds()
    write_feed(served["feed"], previous)
    first = worker_advisor.handler({})
    assert first["status"] == "updated" and first["recalibration"] is None  # no earlier forecast to judge

    write_feed(served["feed"], fresh)
    report = worker_advisor.handler({})
    recal = report["recalibration"]
    assert report["changed"] == 51 and recal["status"] == "fitted" and recal["applied"] is True
    assert recal["n"] == 255 and recal["calibration_version"] == 1
    assert recal["after"]["ece"] < recal["before"]["ece"]  # cross-fitted: held-out pools
    assert recal["after"]["mean_predicted"] > recal["before"]["mean_predicted"]
    assert recal["before"]["mean_predicted"] == pytest.approx(0.2, abs=0.02)

    # the in-process model's next prediction carries the map
    primary: LightGBMRiskModel = served["primary"]
    assert primary.calibration_version == 1 and primary.calibration.intercept > 0
    calibrated = served["holder"].predict([PROBE])[0].interruption_probability
    assert calibrated > _uncalibrated(served["holder"])

    # stored beside the models: the document, its numbered copies, the card, the transitions
    keys = _objects(served["bucket"])
    version = primary.version
    assert {f"calibration/{version}/calibration.json", f"calibration/{version}/MODEL_CARD.md",
            f"calibration/{version}/records/0001.json", "calibration/latest.json"} <= set(keys)
    assert recal["transition"] == "transitions/2031-03-01/120000.json"
    assert f"calibration/{recal['transition']}" in keys

    # another warm process serving the same version follows the stored calibration without a redeploy
    other = LightGBMRiskModel.from_artifact(context=served["holder"].context)  # type: ignore[arg-type]
    followed = risk.following(FallbackRiskModel(other))
    assert followed.predict([PROBE])[0].interruption_probability == pytest.approx(calibrated, abs=1e-6)
    assert other.calibration_version == 1

    # the admin API shows the card with the dated record
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    client = api()
    token = client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["jwt_token"]
    response = client.get("/api/lab/model-card", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["model_version"] == version and card["calibration_version"] == 1
    [record] = card["recalibrations"]
    assert record["status"] == "fitted" and record["n"] == 255 and record["feed_date"] == "2031-03-01"
    assert record["before"]["ece"] == recal["before"]["ece"] and record["evaluation"] == "5-fold cross-fit"
    assert "## Recalibrations" in card["markdown"] and "| 2031-03-01T12:00:00+00:00 | 2031-03-01 | fitted |" in card["markdown"]
    bad = client.get("/api/lab/model-card?model_version=no%20such", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and "model_version" in bad.text
    missing = client.get("/api/lab/model-card?model_version=risk-v0", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404


def test_too_few_pools_is_skipped_with_the_reason_and_changes_nothing(served: dict[str, Any]) -> None:
    previous, fresh = doubling_feeds(regions=1)  # 51 pools, but only those of one region
    small = {r: dict(sorted(p.items())[:30]) for r, p in previous.items()}
    write_feed(served["feed"], small)
    worker_advisor.handler({})
    write_feed(served["feed"], {r: dict(sorted(p.items())[:30]) for r, p in fresh.items()})
    report = worker_advisor.handler({})
    recal = report["recalibration"]
    assert report["status"] == "updated" and recal["status"] == "skipped"
    assert recal["reason"] == "30 labelled pools, fewer than 50" and recal["calibration_version"] == 0
    assert recal["applied"] is False
    primary: LightGBMRiskModel = served["primary"]
    assert primary.calibration.is_identity and primary.calibration_version == 0
    assert served["holder"].predict([PROBE])[0].interruption_probability == _uncalibrated(served["holder"])
    card = risk.model_recalibration().card()
    assert card["calibration"] is None and card["recalibrations"][-1]["status"] == "skipped"
    assert "skipped: 30 labelled pools, fewer than 50" in card["markdown"]


def test_a_feed_that_fails_to_parse_changes_nothing(served: dict[str, Any]) -> None:
    previous, fresh = doubling_feeds()
    write_feed(served["feed"], previous)
    worker_advisor.handler({})
    write_feed(served["feed"], fresh)
    worker_advisor.handler({})
    before_objects = _objects(served["bucket"])
    document = risk.calibration_store().document(served["primary"].version)
    served["feed"].write_text('{"spot_advisor": {"us-east-1": {"Linux": {"m5.large": {"r": 9}}}}}')
    report = worker_advisor.handler({})
    assert report["status"] == "failed" and report["recalibration"] is None
    assert report["reason"] == "spot_advisor.us-east-1.Linux.m5.large.r: r must be a bucket 0..4"
    assert _objects(served["bucket"]) == before_objects
    assert risk.calibration_store().document(served["primary"].version) == document
    assert served["primary"].calibration_version == 1


def test_the_model_endpoint_recalibrates_on_the_workers_request(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    previous, fresh = doubling_feeds()
    store = risk.model_recalibration()
    key = store.record_transition(previous, fresh, datetime(2031, 3, 2, 0, tzinfo=UTC))
    monkeypatch.delenv("SPOTHIVE_REDIS_URL")  # no hot swap to a model another test announced
    monkeypatch.setattr(model_endpoint, "_MODEL", None)
    result = model_endpoint.handler({"recalibrate": {"transition": key}})
    assert result["status"] == "fitted" and result["applied"] is True and result["calibration_version"] == 1
    retried = model_endpoint.handler({"recalibrate": {"transition": key}})  # Lambda retries an async invoke
    assert (retried["reason"], retried["calibration_version"]) == ("already recorded", 1)
    assert len(risk.model_recalibration().card()["recalibrations"]) == 1
    answer = model_endpoint.handler(dict(PROBE_BODY))
    assert answer["statusCode"] == 200
    assert isinstance(model_endpoint._MODEL, FollowedModel)
    assert served_primary(model_endpoint._MODEL).calibration_version == 1


def test_the_forecast_is_judged_at_the_horizon_the_previous_state_held(served: dict[str, Any]) -> None:
    previous, fresh = doubling_feeds()
    clock = FixedClock(datetime(2031, 3, 1, 6, tzinfo=UTC))
    wired().pin("clock", clock)
    # Given a feed ingested on 1 March
    write_feed(served["feed"], previous)
    worker_advisor.handler({})
    # When the next feed that changes pools arrives 30 days later
    clock.set(datetime(2031, 3, 31, 6, tzinfo=UTC))
    write_feed(served["feed"], fresh)
    recal = worker_advisor.handler({})["recalibration"]
    # Then the previous state's forecast is scored 30 days ahead, and the record and the transition say so
    record = risk.model_recalibration().card()["recalibrations"][-1]
    assert record["horizon_days"] == 30.0 and record["observed_at"] == "2031-03-31T06:00:00+00:00"
    assert risk.calibration_store().transition(recal["transition"])["horizon_days"] == 30.0

