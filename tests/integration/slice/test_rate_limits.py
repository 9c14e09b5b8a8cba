"""The registry's rate limits per caller: signup 5/hour, token 10/minute, everything else 100/minute."""

from __future__ import annotations

import socket
import uuid

import pytest
from fastapi.testclient import TestClient

from spothive.adapters.cache.rate_limiter import RedisRateLimiter
from spothive.adapters.cache.redis_client import redis_client
from spothive.api.app import create_app
from spothive.domain.errors import RateLimited
from spothive.domain.rate_limits import DEFAULT, SIGNUP, TOKEN, RateLimit, limit_for
from tests.integration.slice.helpers import PASSWORD, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


class _Clock:
    """Stands in for ``time`` where the limiter and ``limits``' Redis storage read the wall clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock(1_777_629_605.0)  # 2026-05-01T10:00:05Z
    monkeypatch.setattr("limits.storage.redis.time", fake)
    monkeypatch.setattr("limits.storage.memory.time", fake)
    monkeypatch.setattr("spothive.adapters.cache.rate_limiter.time", fake)
    return fake


def test_limits_follow_the_registry() -> None:
    assert (SIGNUP.limit, SIGNUP.window_seconds) == (5, 3600)
    assert (TOKEN.limit, TOKEN.window_seconds) == (10, 60)
    assert limit_for("post", "/api/auth/signup/") is SIGNUP
    assert limit_for("GET", "/api/client/clusters") is DEFAULT


def test_limiter_counts_per_caller_over_a_moving_window(hub: dict[str, str], clock: _Clock) -> None:
    limiter = RedisRateLimiter(wired().redis)
    caller = f"ip:{uuid.uuid4()}"
    for _ in range(10):
        limiter.check(caller, TOKEN)
        clock.now += 1
    with pytest.raises(RateLimited) as err:
        limiter.check(caller, TOKEN)
    # the first request (at +0 s) leaves the window at +60 s; we are at +10 s
    assert err.value.retry_after == 50
    limiter.check(f"ip:{uuid.uuid4()}", TOKEN)  # another caller is unaffected


def test_a_burst_across_a_clock_minute_is_still_limited(hub: dict[str, str], clock: _Clock) -> None:
    """A fixed window would allow 10 at 10:00:59 and 10 more at 10:01:00; the moving window allows 10."""
    limiter = RedisRateLimiter(wired().redis)
    caller = f"ip:{uuid.uuid4()}"
    clock.now = 1_777_629_659.0  # 10:00:59
    for _ in range(10):
        limiter.check(caller, TOKEN)
    clock.now = 1_777_629_660.0  # 10:01:00, a new clock minute
    with pytest.raises(RateLimited):
        limiter.check(caller, TOKEN)
    clock.now = 1_777_629_719.5  # 60.5 s after the burst: the window has moved past it
    limiter.check(caller, TOKEN)


@pytest.mark.parametrize("limit", [SIGNUP, TOKEN, DEFAULT], ids=lambda item: item.name)
def test_with_redis_down_each_limit_holds_per_process(limit: RateLimit, clock: _Clock) -> None:
    """Given an unreachable Redis, requests are neither all refused nor unlimited: the limit holds in memory."""
    down = redis_client(f"redis://127.0.0.1:{_closed_port()}/0")
    limiter = RedisRateLimiter(down)
    caller = f"ip:{uuid.uuid4()}"
    for _ in range(limit.limit):
        limiter.check(caller, limit)
    with pytest.raises(RateLimited) as err:
        limiter.check(caller, limit)
    assert limiter.degraded is True
    assert 0 < err.value.retry_after <= limit.window_seconds
    limiter.check(f"ip:{uuid.uuid4()}", limit)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def test_an_agent_is_limited_per_cluster_and_another_cluster_is_not(
    hub: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given two connected clusters and a per-cluster limit of 3/minute, the first cluster's 4th call is 429."""
    from tests.integration.slice.test_agent_channel import _agent

    client = TestClient(create_app(), client=(f"10.8.{uuid.uuid4().int % 250}.9", 5000))
    _, _, first = _agent(client)
    _, _, second = _agent(client)
    monkeypatch.setattr(wired().rate_limiter, "_enabled", True)
    monkeypatch.setattr("spothive.api.routers.agent.AGENT", RateLimit(f"agent-{uuid.uuid4().hex[:6]}", 3, 60))
    codes = [client.get("/api/agent/actions?wait=0", headers=first).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/agent/actions?wait=0", headers=first)
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/agent/actions?wait=0", headers=second).status_code == 200


def test_agent_calls_from_one_address_are_limited_before_the_token_is_read(
    hub: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of made-up tokens from one address is 401 until the address limit, then 429."""
    client = TestClient(create_app(), client=(f"10.7.{uuid.uuid4().int % 250}.3", 5000))
    monkeypatch.setattr(wired().rate_limiter, "_enabled", True)
    monkeypatch.setattr("spothive.api.routers.agent.AGENT_ADDRESS", RateLimit(f"addr-{uuid.uuid4().hex[:6]}", 2, 60))
    codes = [client.get("/api/agent/actions?wait=0", headers={"Authorization": f"Bearer forged-{i}"}).status_code
             for i in range(3)]
    assert codes == [401, 401, 429]
