"""Hysteresis of pools SpotHive fell back from: exact times and thresholds (domain.pool_recovery)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spothive.domain.pool_recovery import HOLD, RETURN_RATIO, PoolWatch, observe, settle, standing, unsafe_reason

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
LIMIT = 0.2


def test_defaults_are_an_hour_and_half_the_limit() -> None:
    assert timedelta(minutes=60) == HOLD and RETURN_RATIO == 0.5


def test_unsafe_reason_names_the_flag_or_the_limit_and_none_when_safe() -> None:
    assert unsafe_reason(0.05, LIMIT, True, 3) == "flagged by the hive mind (3 interruption report(s))"
    assert unsafe_reason(0.25, LIMIT, False) == "interruption risk 25%/month above the 20% limit"
    assert unsafe_reason(0.20, LIMIT, False) is None  # at the limit is within it


def test_observe_stamps_unsafe_pools_now_and_keeps_the_others() -> None:
    # Given a pool watched since T0 and another now flagged at T0 + 10 min
    watches = {"z-a:m5.large": PoolWatch("z-a:m5.large", T0, "flagged")}
    # When observed
    after = observe(watches, {"z-b:m5.large": "flagged again"}, T0 + timedelta(minutes=10))
    # Then the new one is stamped at the reading, the old one untouched
    assert after["z-b:m5.large"] == PoolWatch("z-b:m5.large", T0 + timedelta(minutes=10), "flagged again")
    assert after["z-a:m5.large"].last_unsafe == T0


def test_a_pool_is_held_for_the_whole_hold_even_when_its_risk_is_low() -> None:
    # Given a pool last unsafe at T0 with a risk of 0.03 now
    watch = PoolWatch("z-a:m5.large", T0, "flagged by the hive mind (3 interruption report(s))")
    # When read 59 minutes later
    found = standing(watch, 0.03, LIMIT, T0 + timedelta(minutes=59, seconds=59))
    # Then it is still held, and says for how long
    assert found.held
    assert found.reason == ("held: flagged by the hive mind (3 interruption report(s)) at 2026-03-08 10:00 UTC; Spot "
                            "returns after 60 min safe (at 2026-03-08 11:00 UTC)")


def test_a_pool_returns_at_exactly_the_hold_when_its_risk_is_at_most_half_the_limit() -> None:
    watch = PoolWatch("z-a:m5.large", T0, "flagged")
    at_hold = T0 + timedelta(minutes=60)
    # 0.10 is exactly 0.5 x 0.2: it returns
    found = standing(watch, 0.10, LIMIT, at_hold)
    assert not found.held and found.reason == "returned: safe since 2026-03-08 10:00 UTC and risk 10.0% at most 10.0%"
    # 0.11 is below the limit but above half of it: it stays out (no flapping around the limit)
    hovering = standing(watch, 0.11, LIMIT, at_hold + timedelta(hours=5))
    assert hovering.held
    assert hovering.reason == ("held: safe since 2026-03-08 10:00 UTC but risk 11.0% is above 0.5 x the 20% "
                              "limit (10.0%)")


def test_settle_forgets_returned_pools_and_counts_a_missing_reading_as_at_the_limit() -> None:
    watches = {
        "z-a:m5.large": PoolWatch("z-a:m5.large", T0, "flagged"),
        "z-b:m5.large": PoolWatch("z-b:m5.large", T0, "flagged"),
        "z-c:m5.large": PoolWatch("z-c:m5.large", T0 + timedelta(minutes=30), "flagged"),
    }
    now = T0 + timedelta(minutes=75)
    kept, standings = settle(watches, {"z-a:m5.large": 0.04, "z-c:m5.large": 0.01}, LIMIT, now)
    # z-a: 75 min safe, 4 % → back; z-b: no reading → 20 % > 10 % → held; z-c: only 45 min safe → held
    assert sorted(kept) == ["z-b:m5.large", "z-c:m5.large"]
    assert [(s.pool, s.held) for s in standings] == [
        ("z-a:m5.large", False), ("z-b:m5.large", True), ("z-c:m5.large", True)]


def test_a_flag_during_the_hold_restarts_it() -> None:
    # Given a pool flagged at T0, then again at T0 + 50 min
    watches = observe({}, {"z-a:m5.large": "flagged"}, T0)
    watches = observe(watches, {"z-a:m5.large": "flagged"}, T0 + timedelta(minutes=50))
    # When read at T0 + 100 min (50 min after the second flag)
    kept, _ = settle(watches, {"z-a:m5.large": 0.02}, LIMIT, T0 + timedelta(minutes=100))
    # Then it is still held; at T0 + 110 min it returns
    assert "z-a:m5.large" in kept
    kept, _ = settle(watches, {"z-a:m5.large": 0.02}, LIMIT, T0 + timedelta(minutes=110))
    assert kept == {}


def test_watch_round_trips_through_its_json_form() -> None:
    watch = PoolWatch("z-a:m5.large", T0, "flagged")
    assert PoolWatch.from_dict(watch.as_dict()) == watch
