"""Hive-mind latencies over a real redis-server (plain script; not collected by pytest).

    PYTHONPATH=layers:models python tests/bench/bench_hive.py

1. Flag propagation between two tenants: tenant A's worker raises a flag (one Lua script: SET, window,
   metadata, PUBLISH) and tenant B's warm consumer receives it on ``risk:events``; also the time until B's
   next scoring read (one MGET) sees the flag. Each tenant has its own connection.
2. Flag lookup for 1,000 candidate pools: one MGET (flag + metadata keys) against a naive GET per pool.
Starts its own redis-server on a free loopback port.
"""

from __future__ import annotations

import queue
import socket
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime

import redis

from spothive.adapters.cache.risk_tracker import RedisRiskTracker, RiskEventListener
from spothive.domain.risk_signals import PoolFlag, PoolSignal, SignalKind
from spothive.local.redis_server import redis_server_binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_redis() -> tuple[subprocess.Popen[bytes], str]:
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("no redis-server on PATH and none bundled (install the dev extra)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", tempfile.mkdtemp()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def _stats(samples: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))],
            ordered[int(0.99 * (len(ordered) - 1))], ordered[-1])


def propagation(url: str, runs: int = 500) -> tuple[list[float], list[float]]:
    """A → B pub/sub delivery and A → B next-read visibility, milliseconds per flag."""
    tracker_a = RedisRiskTracker(redis.Redis.from_url(url, decode_responses=True))
    tracker_b = RedisRiskTracker(redis.Redis.from_url(url, decode_responses=True))
    inbox: queue.Queue[tuple[float, PoolFlag]] = queue.Queue()
    listener = RiskEventListener(redis.Redis.from_url(url, decode_responses=True),
                                 lambda f: inbox.put((time.perf_counter(), f))).start()
    delivered, visible = [], []
    try:
        for i in range(runs):
            zone, itype = f"us-east-1{'abcdef'[i % 6]}", f"c5.{i}xlarge"
            signal = PoolSignal(zone, itype, SignalKind.INTERRUPTION, datetime.now(UTC), f"m{i}")
            start = time.perf_counter()
            tracker_a.flag(signal, ttl_seconds=1800, window_seconds=1800)
            while not tracker_b.lookup([(zone, itype)]):
                pass
            visible.append((time.perf_counter() - start) * 1000)
            at, _ = inbox.get(timeout=5)
            delivered.append((at - start) * 1000)
    finally:
        listener.stop()
    return delivered, visible


def lookups(url: str, pools: int = 1000, repeats: int = 50) -> tuple[list[float], list[float]]:
    """MGET vs per-key GET for ``pools`` candidates (5 % of them flagged), milliseconds per lookup."""
    client = redis.Redis.from_url(url, decode_responses=True)
    tracker = RedisRiskTracker(client)
    candidates = [(f"eu-west-1{'abc'[i % 3]}", f"m6i.t{i}") for i in range(pools)]
    for i, (zone, itype) in enumerate(candidates[:: 20]):
        tracker.flag(PoolSignal(zone, itype, SignalKind.REBALANCE, datetime.now(UTC), f"w{i}"),
                     ttl_seconds=1800, window_seconds=1800)
    batch, naive = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        found = tracker.lookup(candidates)
        batch.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        slow = tracker.lookup_naive(candidates)
        naive.append((time.perf_counter() - start) * 1000)
        assert set(found) == set(slow) and len(found) == pools // 20
    return batch, naive


def main() -> None:
    proc, url = _start_redis()
    try:
        delivered, visible = propagation(url)
        batch, naive = lookups(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"redis-server {url} (loopback); times in ms\n")
    print(f"{'measurement':<58} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    rows = [
        (f"A flags → B's consumer receives risk:events (n={len(delivered)})", delivered),
        (f"A flags → B's next MGET read sees the flag (n={len(visible)})", visible),
        (f"lookup 1,000 pools: one MGET (n={len(batch)})", batch),
        (f"lookup 1,000 pools: naive GET per pool (n={len(naive)})", naive),
    ]
    for name, samples in rows:
        p50, p95, p99, worst = _stats(samples)
        print(f"{name:<58} {p50:>8.3f} {p95:>8.3f} {p99:>8.3f} {worst:>8.3f}")
    print(f"\nMGET speed-up over per-key GET (median): {statistics.median(naive) / statistics.median(batch):.1f}x")


if __name__ == "__main__":
    main()
