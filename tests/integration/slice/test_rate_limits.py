"""The registry's rate limits per caller: signup 5/hour, token 10/minute, everything else 100/minute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from spothive.adapters.cache.rate_limiter import RedisRateLimiter
from spothive.api.app import create_app
from spothive.domain.errors import RateLimited
from spothive.domain.rate_limits import DEFAULT, SIGNUP, TOKEN, limit_for
from tests.integration.slice.helpers import PASSWORD, signup
from tests.support.fakes import FixedClock
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def test_limits_follow_the_registry() -> None:
    assert (SIGNUP.limit, SIGNUP.window_seconds) == (5, 3600)
    assert (TOKEN.limit, TOKEN.window_seconds) == (10, 60)
    assert limit_for("post", "/api/auth/signup/") is SIGNUP
    assert limit_for("GET", "/api/client/clusters") is DEFAULT


def test_limiter_counts_per_caller_and_window(hub: dict[str, str]) -> None:
    clock = FixedClock(datetime(2026, 5, 1, 10, 0, 5, tzinfo=UTC))
    limiter = RedisRateLimiter(wired().redis, clock)
    caller = f"ip:{uuid.uuid4()}"
    for _ in range(10):
        limiter.check(caller, TOKEN)
    with pytest.raises(RateLimited) as err:
        limiter.check(caller, TOKEN)
    assert err.value.retry_after == 56
    limiter.check(f"ip:{uuid.uuid4()}", TOKEN)  # another caller is unaffected
    clock.set(datetime(2026, 5, 1, 10, 1, 0, tzinfo=UTC))  # the next window starts afresh
    limiter.check(caller, TOKEN)


def test_token_endpoint_answers_429_with_retry_after(hub: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(), client=(f"10.9.{uuid.uuid4().int % 250}.7", 5000))
    tenant = signup(client)
    services = wired()
    monkeypatch.setattr(services.rate_limiter, "_enabled", True)
    codes = [
        client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    last = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD})
    assert last.json()["error"]["code"] == "rate_limited"
    assert 0 < int(last.headers["Retry-After"]) <= 61
