"""Spot Advisor feed parsing and diffing (pure) and the ingest service's failure path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spothive.domain.advisor_feed import RateChange, diff_rates, parse_feed
from spothive.domain.errors import DependencyFailed, InvalidInput
from spothive.services.advisor_ingest import AdvisorIngest
from tests.support.fakes import FixedClock, MemoryInterruptionRates


def feed(bucket: int = 1) -> dict:
    return {"spot_advisor": {"us-east-1": {"Linux": {"c5.xlarge": {"r": bucket, "s": 60}, "m5.large": {"r": 0, "s": 70}},
                                           "Windows": {"c5.xlarge": {"r": 2, "s": 40}}}}}


def test_given_feed_when_parsed_then_pools_by_region_os_and_type() -> None:
    assert parse_feed(feed()) == {"us-east-1": {"Linux#c5.xlarge": (1, 60), "Linux#m5.large": (0, 70),
                                                "Windows#c5.xlarge": (2, 40)}}


@pytest.mark.parametrize(("doc", "field"), [
    ({}, "spot_advisor"),
    ({"spot_advisor": {"us-east-1": {"Linux": {"c5.xlarge": {"r": 7, "s": 1}}}}}, "spot_advisor.us-east-1.Linux.c5.xlarge.r"),
    ({"spot_advisor": {"us-east-1": {"Linux": {"c5.xlarge": {"r": 1, "s": "x"}}}}}, "spot_advisor.us-east-1.Linux.c5.xlarge.s"),
    ({"spot_advisor": {"Mars": {}}}, "spot_advisor.Mars"),
])
def test_given_bad_feed_when_parsed_then_field_is_named(doc: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_feed(doc)
    assert caught.value.field == field


def test_given_stored_state_when_diffed_then_only_changed_and_new_pools() -> None:
    stored = {"Linux#c5.xlarge": (1, 60), "Linux#m5.large": (0, 70), "Linux#gone.large": (4, 10)}
    fresh = {"Linux#c5.xlarge": (3, 60), "Linux#m5.large": (0, 70), "Linux#r5.large": (2, 50)}
    assert diff_rates("us-east-1", stored, fresh) == [
        RateChange("us-east-1#Linux#c5.xlarge", (1, 60), (3, 60)),
        RateChange("us-east-1#Linux#r5.large", None, (2, 50)),
    ]


class DeadFeed:
    def fetch(self) -> bytes:
        raise DependencyFailed("Spot Advisor feed unreachable at https://x: no network")


class BytesFeed:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def fetch(self) -> bytes:
        return self.data


def test_given_no_network_when_run_then_failed_with_reason_and_nothing_written() -> None:
    rates = MemoryInterruptionRates()
    report = AdvisorIngest(DeadFeed(), rates, FixedClock(datetime(2026, 3, 8, tzinfo=UTC))).run()
    assert report.status == "failed" and "unreachable" in (report.reason or "") and rates.writes == 0


def test_given_corrupt_feed_when_run_then_failed_and_nothing_written() -> None:
    rates = MemoryInterruptionRates()
    assert AdvisorIngest(BytesFeed(b"<html>"), rates, FixedClock(datetime(2026, 3, 8, tzinfo=UTC))).run().status == "failed"
    assert AdvisorIngest(BytesFeed(b'{"x": 1}'), rates, FixedClock(datetime(2026, 3, 8, tzinfo=UTC))).run().reason is not None
    assert rates.writes == 0


def test_given_sink_failure_when_run_then_rates_still_recorded() -> None:
    rates = MemoryInterruptionRates()

    def broken(_: object) -> None:
        raise RuntimeError("no model here")

    report = AdvisorIngest(BytesFeed(b'{"spot_advisor": {"us-east-1": {"Linux": {"c5.large": {"r": 1, "s": 5}}}}}'),
                           rates, FixedClock(datetime(2026, 3, 8, tzinfo=UTC)), broken).run()
    assert report.status == "updated" and rates.writes == 1 and not report.context_refreshed


def test_the_forecast_horizon_is_how_long_the_previous_state_held_within_the_contract() -> None:
    from datetime import UTC, datetime, timedelta

    from spothive.domain.advisor_feed import forecast_horizon_days

    now = datetime(2031, 3, 31, 6, tzinfo=UTC)
    # Given a previous state stored 30 days ago in one region and 45 days ago in another
    since = [now - timedelta(days=30), now - timedelta(days=45)]
    # Then the forecast being judged was made when the newest of them was stored
    assert forecast_horizon_days(since, now) == 30.0
    # And a change right after the previous one is judged at the contract's shortest horizon, one day
    assert forecast_horizon_days([now - timedelta(hours=6)], now) == 1.0
    # And a state stored before its time was kept counts for nothing; with none, one day
    assert forecast_horizon_days([None, now - timedelta(days=2, hours=12)], now) == 2.5
    assert forecast_horizon_days([None], now) == 1.0
    # And ten years is capped at the contract's longest horizon
    assert forecast_horizon_days([now - timedelta(days=3650)], now) == 1826.0
