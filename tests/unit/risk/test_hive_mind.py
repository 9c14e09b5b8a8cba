"""Hive mind: event parsing, anonymity, flag-aware ranking and the degraded path (no Redis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.errors import InvalidInput, ServiceUnavailable
from spothive.domain.risk_signals import (
    INTERRUPTION_DETAIL,
    REBALANCE_DETAIL,
    FlagLevel,
    PoolFlag,
    SignalKind,
    parse_signal,
    zone_from_arn,
)
from spothive.domain.spot import PodRequirements
from spothive.services.hive_mind import HiveMind, candidate_pools
from tests.support.fakes import FixedClock, MemorySignals
from tests.unit.engine.helpers import tiny_catalog

NOW = datetime(2026, 3, 8, 10, 15, tzinfo=UTC)


class Locator:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def locate(self, aws_account: str, region: str, instance_id: str) -> tuple[str, str] | None:
        self.calls.append((aws_account, region, instance_id))
        return ("z-a", "m5.large") if instance_id == "i-0123456789abcdef0" else None


def interruption(instance: str = "i-0123456789abcdef0", zone: str | None = None, when: datetime = NOW) -> dict:
    location = zone or "us-east-1"
    return {
        "version": "0", "id": "7e1c", "detail-type": INTERRUPTION_DETAIL, "source": "aws.ec2",
        "account": "123456789012", "time": when.isoformat().replace("+00:00", "Z"), "region": "us-east-1",
        "resources": [f"arn:aws:ec2:{location}:instance/{instance}"],
        "detail": {"instance-id": instance, "instance-action": "terminate"},
    }


def test_given_arn_with_zone_when_parsed_then_zone_is_taken_from_it() -> None:
    assert zone_from_arn("arn:aws:ec2:us-east-2a:instance/i-1") == "us-east-2a"
    assert zone_from_arn("arn:aws:ec2:us-east-2:instance/i-1") is None
    signal = parse_signal(interruption(zone="us-east-1c"), NOW)
    assert (signal.kind, signal.zone, signal.instance_type) == (SignalKind.INTERRUPTION, "us-east-1c", None)


def test_given_bad_events_when_parsed_then_invalid_input_names_the_field() -> None:
    with pytest.raises(InvalidInput) as e1:
        parse_signal({**interruption(), "detail-type": "EC2 Instance State-change Notification"}, NOW)
    assert e1.value.field == "detail-type"
    with pytest.raises(InvalidInput) as e2:
        parse_signal({**interruption(), "detail": {"instance-id": "nope"}}, NOW)
    assert e2.value.field == "detail.instance-id"
    with pytest.raises(InvalidInput) as e3:
        parse_signal({"kind": "interruption", "zone": "mars-1a", "instance_type": "m5.large"}, NOW)
    assert e3.value.field == "zone"


def test_given_event_without_type_when_ingested_then_inventory_resolves_pool_and_flag_is_danger() -> None:
    signals, locator = MemorySignals(), Locator()
    hive = HiveMind(signals, FixedClock(NOW), locator=locator)
    result = hive.ingest(interruption())
    assert result.status == "flagged"
    assert locator.calls == [("123456789012", "us-east-1", "i-0123456789abcdef0")]
    assert result.flag == PoolFlag("z-a", "m5.large", FlagLevel.DANGER, 1, NOW.isoformat())


def test_given_redelivered_event_when_ingested_twice_then_counted_once() -> None:
    signals = MemorySignals()
    hive = HiveMind(signals, FixedClock(NOW), locator=Locator())
    hive.ingest(interruption())
    result = hive.ingest(interruption())
    assert result.flag is not None and result.flag.count == 1


def test_given_unknown_instance_when_ingested_then_unresolved_and_nothing_flagged() -> None:
    signals = MemorySignals()
    result = HiveMind(signals, FixedClock(NOW), locator=Locator()).ingest(interruption("i-00000000000000001"))
    assert result.status == "unresolved" and signals.flags == {}


def test_given_old_event_when_ingested_then_stale() -> None:
    old = interruption(when=NOW - timedelta(hours=2))
    result = HiveMind(MemorySignals(), FixedClock(NOW), locator=Locator()).ingest(old)
    assert result.status == "stale"


def test_given_danger_flag_when_rebalance_follows_then_level_stays_danger() -> None:
    signals = MemorySignals()
    hive = HiveMind(signals, FixedClock(NOW))
    hive.ingest({"kind": "interruption", "zone": "use1-az1", "instance_type": "m5.large", "instance_id": "i-0000000a"})
    result = hive.ingest({"kind": "rebalance", "zone": "use1-az1", "instance_type": "m5.large"})
    assert result.flag is not None and result.flag.level is FlagLevel.DANGER


def test_given_flag_payload_then_it_carries_no_tenant_data() -> None:
    signals = MemorySignals()
    result = HiveMind(signals, FixedClock(NOW), locator=Locator()).ingest(interruption())
    text = str(result.as_dict())
    assert "123456789012" not in text and "i-0123456789abcdef0" not in text


def test_given_danger_and_warn_flags_when_ranked_then_danger_left_out_and_warn_floored() -> None:
    catalog = tiny_catalog()
    signals = MemorySignals()
    signals.flags["RISK:z-a:m5.large"] = PoolFlag("z-a", "m5.large", FlagLevel.DANGER, 1)
    signals.flags["RISK:z-b:m5.large"] = PoolFlag("z-b", "m5.large", FlagLevel.WARN, 0)
    req = PodRequirements(cpu_m=500, memory_mib=1024, replicas=2)
    probs = {"m5.large": 0.05, "m5.xlarge": 0.05, "m5.2xlarge": 0.05}
    ranking = HiveMind(signals, FixedClock(NOW)).rank(req, catalog, probs)
    spot = [(p.zone, p.instance_type) for p in ranking.pools if p.capacity_type == "spot"]
    assert ("z-a", "m5.large") not in spot  # DANGER
    assert ("z-b", "m5.large") not in spot  # WARN: 0.35 > the 0.2 default budget
    assert spot[0] == ("z-a", "m5.xlarge")
    assert not ranking.degraded
    assert signals.lookups == [len(candidate_pools(req, catalog))]


def test_given_cache_down_when_ranked_then_model_alone_and_degraded_with_reason() -> None:
    signals = MemorySignals()
    signals.down = True
    req = PodRequirements(cpu_m=500, memory_mib=1024)
    ranking = HiveMind(signals, FixedClock(NOW)).rank(req, tiny_catalog(), {"m5.large": 0.05})
    assert ranking.degraded and ranking.reason and "model alone" in ranking.reason
    assert ranking.pools[0].instance_type == "m5.large"


def test_given_cache_down_when_ingesting_then_error_surfaces_for_retry() -> None:
    signals = MemorySignals()
    signals.down = True
    with pytest.raises(ServiceUnavailable):
        HiveMind(signals, FixedClock(NOW), locator=Locator()).ingest(interruption())


def test_given_rebalance_event_when_ingested_then_warn_on_the_inventory_pool() -> None:
    # the zone written in the event is not trusted: the inventory says the instance runs in z-a
    event = {**interruption(zone="us-east-1b"), "detail-type": REBALANCE_DETAIL}
    result = HiveMind(MemorySignals(), FixedClock(NOW), locator=Locator()).ingest(event)
    assert result.flag is not None
    assert (result.flag.zone, result.flag.instance_type, result.flag.level) == ("z-a", "m5.large", FlagLevel.WARN)


def test_given_forged_event_for_an_unknown_instance_when_ingested_then_nothing_is_flagged() -> None:
    signals = MemorySignals()
    event = interruption("i-00000000000000009", zone="us-east-1b")
    result = HiveMind(signals, FixedClock(NOW), locator=Locator()).ingest(event)
    assert result.status == "unresolved"
    assert result.flag is None
