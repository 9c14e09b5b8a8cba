"""PoolWatchStore: the in-memory store and the Redis adapter (on a real ``redis-server``) behave alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spothive.adapters.cache.pool_watch import RedisPoolWatchStore
from spothive.adapters.memory.pool_watch import MemoryPoolWatchStore
from spothive.domain.pool_recovery import PoolWatch

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(kind, request):  # type: ignore[no-untyped-def]
    return MemoryPoolWatchStore() if kind == "memory" else RedisPoolWatchStore(request.getfixturevalue("cache"))


def test_watches_are_read_back_whole_per_cluster_and_replaced_on_write(store):  # type: ignore[no-untyped-def]
    a = PoolWatch("us-east-1a:c5.xlarge", T0, "flagged by the hive mind (3 interruption report(s))")
    b = PoolWatch("us-east-1b:m5.large", T0.replace(minute=30), "interruption risk 25%/month above the 20% limit")
    assert store.get("org-1", "c-1") == {}
    store.put("org-1", "c-1", {a.pool: a, b.pool: b})
    assert store.get("org-1", "c-1") == {a.pool: a, b.pool: b}
    assert store.get("org-1", "c-2") == {} and store.get("org-2", "c-1") == {}  # per cluster and per org
    store.put("org-1", "c-1", {b.pool: b})  # a returned pool is dropped by writing the rest
    assert store.get("org-1", "c-1") == {b.pool: b}
