"""Redis stopped and started again under a running API: 503s to retry while it is down, never a 500,
and everything (heartbeats, rate limits) back on Redis once it returns, without restarting the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from spothive import wiring
from spothive.adapters.cache import rate_limiter
from spothive.api.app import create_app
from spothive.domain.rate_limits import TOKEN
from spothive.local.redis_server import RedisServer, free_port
from tests.integration.config.helpers import add_cluster
from tests.integration.slice.helpers import signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


@pytest.fixture
def own_redis(hub: dict[str, str], tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A Redis of this test's own on a fixed port, which the test may stop and start again."""
    server = RedisServer(port=free_port(), data_dir=tmp_path).start()
    monkeypatch.setenv("SPOTHIVE_REDIS_URL", server.url)
    wiring.reset()
    yield server
    server.stop()
    monkeypatch.undo()
    wiring.reset()



def test_heartbeats_fail_as_503_while_redis_is_down_and_work_again_after_it_restarts(own_redis: RedisServer) -> None:
    client = TestClient(create_app(), raise_server_exceptions=False)
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    agent = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/agent/heartbeat", headers=agent).status_code == 200
    port = own_redis.port

    own_redis.stop()
    down = client.post("/api/agent/heartbeat", headers=agent)
    own_redis.requested_port = port
    own_redis.start()
    back = client.post("/api/agent/heartbeat", headers=agent)

    assert down.status_code == 503
    assert down.json()["error"]["code"] == "service_unavailable"
    assert back.status_code == 200
    assert back.json()["cluster_id"] == cluster_id
    verified = client.get(f"/api/clusters/{cluster_id}/verify", headers=tenant.headers).json()
    assert verified["status"] == "green"  # the beat after the restart landed in the new Redis


def test_the_rate_limiter_degrades_to_memory_and_returns_to_redis(own_redis: RedisServer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limiter, "RETRY_REDIS_SECONDS", 0.0)
    limiter = rate_limiter.RedisRateLimiter(wired().redis)
    port = own_redis.port

    limiter.check("ip:fault-test", TOKEN)
    own_redis.stop()
    limiter.check("ip:fault-test", TOKEN)
    degraded_while_down = limiter.degraded
    own_redis.requested_port = port
    own_redis.start()
    limiter.check("ip:fault-test", TOKEN)

    assert degraded_while_down is True
    assert limiter.degraded is False
    # the restarted (empty) server holds the count again: one window entry for the request after the restart
    keys = wired().redis.keys("ratelimit:*fault-test*")
    assert len(keys) == 1
    assert wired().redis.llen(keys[0]) == 1
