"""The hive mind's flag TTL tuned from the interruptions it has seen, per family, against a real Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis

from spothive.adapters.cache.interruption_history import RedisInterruptionHistory
from spothive.adapters.cache.risk_tracker import RedisRiskTracker
from spothive.services.hive_mind import HiveMind
from tests.support.fakes import FixedClock

pytestmark = pytest.mark.integration


def test_a_family_with_long_waves_gets_longer_flags_and_the_evidence_is_reported(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    family = f"m{uuid.uuid4().int % 10**6}"
    now = datetime.now(UTC).replace(microsecond=0)
    history = RedisInterruptionHistory(client)
    # Given three earlier waves of this family, each 50 minutes long
    for day in (1, 2, 3):
        for minute in (0, 25, 50):
            history.record(family, now - timedelta(days=day) + timedelta(minutes=minute))
    hive = HiveMind(RedisRiskTracker(client), FixedClock(now), history=history)
    zone, itype = "us-east-1a", f"{family}.large"
    # When a new interruption of the family comes in
    result = hive.ingest({"kind": "interruption", "zone": zone, "instance_type": itype, "instance_id": "i-0abc12345678def0"})
    # Then its flag lives 50 minutes instead of the default 30, and the event joins the history
    assert result.status == "flagged"
    assert 2990_000 < client.pttl(f"RISK:{zone}:{itype}") <= 3000_000
    report = {t.family: t.as_dict() for t in hive.flag_ttls()}[family]
    assert report == {"family": family, "ttl_minutes": 50.0, "events": 10, "waves": 4, "p75_wave_minutes": 50.0,
                      "basis": "tuned", "reason": "p75 of 4 waves is 50.0 min"}
    # And a family never seen keeps the configured default
    other = f"c{uuid.uuid4().int % 10**6}.large"
    hive.ingest({"kind": "interruption", "zone": zone, "instance_type": other, "instance_id": "i-0def12345678abc0"})
    assert 1790_000 < client.pttl(f"RISK:{zone}:{other}") <= 1800_000
