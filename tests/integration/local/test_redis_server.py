"""Given the local Redis helper, a server answers PING on loopback and frees its port when stopped."""

from __future__ import annotations

import shutil

import pytest
import redis

from spothive.local.redis_server import RedisServer
from tests.integration.local.helpers import port_is_free

pytestmark = pytest.mark.integration




@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")
def test_real_redis_server_answers_ping(tmp_path):
    with RedisServer(port=0, data_dir=tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        assert client.ping() is True
        client.set("SAFE_MODE", "1")
        assert client.get("SAFE_MODE") == b"1"
        port = server.port
        client.close()

    assert server.kind == "redis-server"
    assert (tmp_path / "redis").is_dir()
    assert port_is_free(port)


def test_fakeredis_fallback_when_redis_server_is_not_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with RedisServer(port=0, data_dir=tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        assert client.ping() is True
        client.set("hb:agent-1", "alive", ex=60)
        assert client.get("hb:agent-1") == b"alive"
        port = server.port
        client.close()

    assert server.kind == "fakeredis"
    assert port_is_free(port)
