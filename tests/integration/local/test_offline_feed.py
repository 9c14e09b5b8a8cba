"""Locally, the Spot Advisor worker reads a feed written from the built-in catalog (no internet)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from spothive.domain.catalog import load_builtin_catalog
from spothive.local.runtime import LocalStack


def test_the_advisor_schedule_ingests_the_offline_feed(local_stack: LocalStack) -> None:
    feed_path = Path(os.environ["SPOTHIVE_ADVISOR_FEED"])
    feed = json.loads(feed_path.read_text())
    catalog = load_builtin_catalog()
    assert feed["spot_advisor"]["us-east-1"]["Linux"]["m5.xlarge"] == {
        "r": catalog.advisor["m5.xlarge"].bucket, "s": catalog.advisor["m5.xlarge"].savings_pct}
    first = local_stack.fire_schedule("spot-advisor")
    assert first["status"] == "updated", first
    assert first["changed"] == len(catalog.advisor)
    assert first["pools"] == len(catalog.advisor)
    again = local_stack.fire_schedule("spot-advisor")
    assert again["changed"] == 0  # the same feed twice writes no history
