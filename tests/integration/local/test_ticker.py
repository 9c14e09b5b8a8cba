"""Given the schedules, the local ticker fires their handlers with EventBridge's scheduled payload."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from spothive import topology
from spothive.local.ticker import ScaledClock, Ticker, scheduled_event
from spothive.topology import ScheduleSpec

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ARNS = {s.name: f"arn:aws:events:us-east-1:123456789012:rule/spothive-{s.name}" for s in topology.SCHEDULES}


def recording_ticker(**kwargs):
    calls = []
    ticker = Ticker(topology.SCHEDULES, lambda fn, event: calls.append((fn, event)) or {"ok": fn},
                    rule_arns=ARNS, **kwargs)
    return ticker, calls


def test_every_schedule_fires_at_start_then_on_its_cadence():
    ticker, calls = recording_ticker()

    first = [c[0] for c in calls] if ticker.tick(T0) else []
    calls.clear()
    ticker.tick(T0 + timedelta(minutes=1))
    after_one = [c[0] for c in calls]
    calls.clear()
    ticker.tick(T0 + timedelta(minutes=1, seconds=30))
    mid_minute = [c[0] for c in calls]
    calls.clear()
    ticker.tick(T0 + timedelta(minutes=5))
    after_five = sorted(c[0] for c in calls)

    assert first == ["worker-discovery", "worker-prices", "worker-advisor", "worker-hibernation", "worker-report",
                     "worker-optimize"]
    assert after_one == ["worker-hibernation"]
    assert mid_minute == []
    assert after_five == ["worker-discovery", "worker-hibernation", "worker-prices"]


def test_missed_periods_fire_once():
    ticker, calls = recording_ticker(run_at_start=False)

    ticker.tick(T0)
    ticker.tick(T0 + timedelta(minutes=30))

    assert sorted(c[0] for c in calls) == ["worker-discovery", "worker-hibernation", "worker-prices"]


def test_payload_is_an_eventbridge_scheduled_event():
    ticker, calls = recording_ticker()

    ticker.tick(T0)

    fn, event = calls[0]
    assert fn == "worker-discovery"
    assert event["version"] == "0"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-03-02T09:00:00Z"
    assert event["resources"] == [ARNS["discovery"]]
    assert event["detail"] == {}
    assert event["id"] != calls[1][1]["id"]


def test_a_failing_handler_is_recorded_and_the_ticker_carries_on():
    def invoke(fn, event):
        if fn == "worker-prices":
            raise RuntimeError("price feed down")
        return {"handled": fn}

    ticker = Ticker(topology.SCHEDULES, invoke, rule_arns=ARNS)

    runs = ticker.tick(T0) + ticker.tick(T0 + timedelta(minutes=5))

    failed = [r for r in runs if not r.ok]
    assert [(r.function, r.error) for r in failed] == [("worker-prices", "RuntimeError: price feed down")] * 2
    assert {r.function for r in runs if r.ok} == {"worker-discovery", "worker-advisor", "worker-hibernation",
                                                 "worker-report", "worker-optimize"}
    assert len(ticker.history) == len(runs)


def test_thread_on_an_accelerated_clock_keeps_firing_through_errors():
    seen = []
    enough = threading.Event()

    def invoke(fn, event):
        seen.append(event["time"])
        if len(seen) >= 4:
            enough.set()
        if len(seen) == 1:
            raise ValueError("first run fails")
        return {"n": len(seen)}

    every_minute = (ScheduleSpec("hibernation", "worker-hibernation", 1, "test"),)
    ticker = Ticker(every_minute, invoke, clock=ScaledClock(speed=1200, start=T0), poll_seconds=0.01).start()
    try:
        fired = enough.wait(timeout=20)
    finally:
        ticker.stop()

    assert fired
    assert ticker.history[0].ok is False and all(r.ok for r in ticker.history[1:])
    times = [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) for t in seen[:4]]
    periods = [(t - T0) // timedelta(minutes=1) for t in times]
    assert all(b > a for a, b in itertools.pairwise(periods))  # one run per minute of the scaled clock


def test_scheduled_event_uses_utc_time():
    event = scheduled_event("arn:rule", datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(hours=0))

    assert event["time"] == "2026-03-02T10:00:00Z"
