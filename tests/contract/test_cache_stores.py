"""Heartbeats, HotPrices, RateLimiter, SafeModeFlag, RiskSignals and the cached TokenDenyList: the in-memory fakes
and the Redis adapters (on a real ``redis-server``) behave alike.

Key expiry in Redis runs on the server's wall clock, the fakes' on the injected clock; expiry itself is
therefore checked on the durable stores (``test_platform_repos``), not here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from spothive.adapters.cache.deny_list import CachedTokenDenyList
from spothive.adapters.cache.heartbeats import RedisHeartbeats
from spothive.adapters.cache.hot_prices import RETENTION_SECONDS, RedisHotPrices, prices_key
from spothive.adapters.cache.rate_limiter import RedisRateLimiter
from spothive.adapters.cache.risk_tracker import RedisRiskTracker
from spothive.adapters.cache.safe_mode import SAFE_MODE_KEY, RedisSafeMode
from spothive.domain.errors import RateLimited
from spothive.domain.price_freshness import RegionPrices
from spothive.domain.rate_limits import RateLimit
from spothive.domain.risk_signals import FlagLevel, PoolSignal, SignalKind
from tests.support.fakes import (
    NOW,
    FixedClock,
    MemoryDenyList,
    MemoryHeartbeats,
    MemoryHotPrices,
    MemoryRateLimiter,
    MemorySignals,
    SafeMode,
)


@pytest.fixture
def redis_or_none(kind, request):  # type: ignore[no-untyped-def]
    return None if kind == "memory" else request.getfixturevalue("cache")


def test_a_heartbeat_is_read_back_to_the_microsecond(kind, clock, redis_or_none):
    beats = MemoryHeartbeats(clock) if kind == "memory" else RedisHeartbeats(redis_or_none)
    at = datetime(2026, 3, 8, 9, 59, 30, 123456, tzinfo=UTC)

    beats.beat("org-1", "c-1", at - timedelta(seconds=30))
    beats.beat("org-1", "c-1", at)

    assert beats.last_seen("org-1", "c-1") == at
    assert beats.last_seen("org-1", "c-2") is None
    assert beats.last_seen("org-2", "c-1") is None  # keys are per org: another tenant never reads it


def test_hot_prices_are_replaced_whole_per_region_and_kept_past_the_freshness_ttl(kind, clock, redis_or_none):
    prices = MemoryHotPrices(clock) if kind == "memory" else RedisHotPrices(redis_or_none)
    region = f"eu-west-{uuid.uuid4().hex[:4]}"  # the Redis server is shared by the suite
    assert prices.latest(region) is None

    # Given two stores of one region and one of another
    prices.store(RegionPrices(region, {"m5.large": 0.107}, {("m5.large", f"{region}a"): 0.035,
                                                              ("c5.large", f"{region}b"): 0.031}, NOW))
    later = NOW + timedelta(minutes=5)
    prices.store(RegionPrices(region, {"m5.large": 0.111}, {("m5.large", f"{region}a"): 0.041}, later,
                              {"Linux#m5.large": (2, 61)}))
    prices.store(RegionPrices(f"{region}-other", {"m5.large": 0.096}, {}, NOW))

    # Then the region's last store is read back whole, with its fetch time and Advisor state
    found = prices.latest(region)
    assert found == RegionPrices(region, {"m5.large": 0.111}, {("m5.large", f"{region}a"): 0.041}, later,
                                 {"Linux#m5.large": (2, 61)})
    assert prices.latest(f"{region}-other").on_demand == {"m5.large": 0.096}
    if kind == "redis":  # last known prices outlive the 15-minute freshness TTL by days
        ttl = redis_or_none.ttl(prices_key(region))
        assert RETENTION_SECONDS - 5 <= ttl <= RETENTION_SECONDS == 7 * 24 * 3600


def test_a_caller_over_the_limit_is_refused_within_one_moving_window(kind, redis_or_none):
    # the Redis limiter counts on the wall clock (a sliding log in one Lua script); the fake on its clock
    clock = FixedClock(datetime.now(UTC))
    limiter = MemoryRateLimiter(clock) if kind == "memory" else RedisRateLimiter(redis_or_none)
    limit = RateLimit(f"contract-{kind}-{uuid.uuid4().hex[:6]}", 2, 60)

    limiter.check("1.2.3.4", limit)
    limiter.check("1.2.3.4", limit)
    limiter.check("5.6.7.8", limit)
    with pytest.raises(RateLimited) as caught:
        limiter.check("1.2.3.4", limit)

    assert 0 < caught.value.retry_after <= 61


def test_safe_mode_is_off_until_switched_on_or_forced(kind, redis_or_none):
    if kind == "memory":
        flag, forced = SafeMode(False), SafeMode(True)
        switch_on = lambda: setattr(flag, "on", True)  # noqa: E731
    else:
        flag, forced = RedisSafeMode(redis_or_none), RedisSafeMode(redis_or_none, forced=True)
        switch_on = lambda: redis_or_none.set(SAFE_MODE_KEY, "TRUE")  # noqa: E731

    assert (flag.is_on(), forced.is_on()) == (False, True)
    switch_on()
    assert flag.is_on() is True


def test_a_revocation_is_seen_and_survives_losing_the_cache(kind, clock, redis_or_none):
    durable = MemoryDenyList(clock)
    deny = durable if kind == "memory" else CachedTokenDenyList(durable, redis_or_none, clock)
    assert deny.is_revoked("jti-1") is False  # a "valid" answer is cached for a minute …

    deny.revoke("jti-1", NOW + timedelta(hours=1))  # … and a revocation overwrites it at once
    deny.revoke("jti-1", NOW + timedelta(hours=1))
    if redis_or_none is not None:
        redis_or_none.flushdb()

    assert deny.is_revoked("jti-1") is True
    assert deny.is_revoked("jti-2") is False


def test_pool_flags_escalate_never_downgrade_and_count_distinct_interruptions(kind, redis_or_none):
    signals = MemorySignals() if kind == "memory" else RedisRiskTracker(redis_or_none)

    def signal(signal_kind: SignalKind, member: str, minutes: int = 0) -> PoolSignal:
        return PoolSignal("us-east-1a", "m5.large", signal_kind, NOW + timedelta(minutes=minutes), member)

    warned = signals.flag(signal(SignalKind.REBALANCE, "a"), ttl_seconds=600, window_seconds=600)
    signals.flag(signal(SignalKind.INTERRUPTION, "a", 1), ttl_seconds=600, window_seconds=600)
    signals.flag(signal(SignalKind.INTERRUPTION, "a", 2), ttl_seconds=600, window_seconds=600)
    signals.flag(signal(SignalKind.INTERRUPTION, "b", 3), ttl_seconds=600, window_seconds=600)
    last = signals.flag(signal(SignalKind.REBALANCE, "c", 4), ttl_seconds=600, window_seconds=600)

    found = signals.lookup([("us-east-1a", "m5.large"), ("us-east-1b", "m5.large")])

    assert warned.level is FlagLevel.WARN
    assert (last.level, last.count) == (FlagLevel.DANGER, 2)
    assert list(found) == ["RISK:us-east-1a:m5.large"]
    assert (found["RISK:us-east-1a:m5.large"].level, found["RISK:us-east-1a:m5.large"].count) == (FlagLevel.DANGER, 2)
    assert signals.lookup([]) == {}
