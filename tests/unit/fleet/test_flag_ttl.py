"""Hive-mind flag TTLs tuned per family from seen interruption waves, bounded 5-120 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spothive.domain.flag_ttl import family_of, tune, tune_all, waves

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def at(*minutes: float) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in minutes]


def test_events_more_than_two_hours_apart_are_separate_waves():
    assert waves(at(0, 10, 50, 300, 301, 1000)) == [timedelta(minutes=50), timedelta(minutes=1), timedelta(0)]


def test_the_ttl_is_the_p75_wave_length_within_bounds_and_the_default_without_evidence():
    # waves of 40, 10, 60 and 20 minutes: p75 is the third shortest, 40 minutes
    long_waves = tune("m5", at(0, 40, 500, 510, 1000, 1030, 1060, 1500, 1520))
    lone = tune("c6g", at(0, 500, 1000, 1500))
    hourly = tune("r5", at(0, 100, 200, 1000, 1100, 1200, 2000, 2100, 2200))
    sparse = tune("g4dn", at(0, 10))
    assert (long_waves.ttl_seconds, long_waves.waves, long_waves.p75_wave_minutes, long_waves.basis) == (
        2400, 4, 40.0, "tuned")
    assert (lone.ttl_seconds, lone.reason) == (300, "p75 of 4 waves is 0.0 min (bounded)")
    assert (hourly.ttl_seconds, hourly.p75_wave_minutes) == (7200, 200.0)
    assert (sparse.ttl_seconds, sparse.basis, sparse.events) == (1800, "default", 2)
    assert [t.family for t in tune_all({"r5": [], "m5": at(0)})] == ["m5", "r5"]
    assert family_of("m5.xlarge") == "m5"
