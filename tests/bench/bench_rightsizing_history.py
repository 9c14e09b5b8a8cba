"""Right-sizing history: the cost a usage sample adds to the agent's ``/usage`` route (plain script).

    .venv/bin/python tests/bench/bench_rightsizing_history.py

Folds agent samples of clusters with 50, 200 and 2,000 workloads (3 pods each) into a real redis-server
(HMGET + HLEN under WATCH, then HSET + EXPIRE), after a day of samples so the histograms hold their usual
buckets, and reads the whole history back (HGETALL, what ``GET /api/clusters/{id}/rightsizing`` does).
Baseline beside: the route's existing work, one JSON encode of the sample (what the S3 latest-sample write
serializes). Stored bytes per workload are the hash's memory over its fields.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]

import redis  # noqa: E402

from spothive.adapters.cache.usage_histories import RedisUsageHistories, history_key  # noqa: E402
from spothive.services.workload_sizing import UsageFolder  # noqa: E402
from tests.bench.bench_hive import _start_redis  # noqa: E402


class _Now:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def _sample(workloads: int, at: datetime, rng: random.Random) -> dict[str, object]:
    pods = [{"namespace": f"ns{w % 20}", "name": f"app{w}-{r}", "owner": f"app{w}",
             "cpu_m": int(rng.gauss(300, 30)) % 4000, "memory_mib": int(rng.gauss(500, 20))}
            for w in range(workloads) for r in range(3)]
    return {"cluster_id": "c", "collected_at": at.isoformat(), "source": "metrics-server", "nodes": [], "pods": pods}


def main() -> None:
    proc, url = _start_redis()
    try:
        client = redis.Redis.from_url(url, decode_responses=True)
        store = RedisUsageHistories(client)
        clock = _Now()
        folder = UsageFolder(store, clock)
        rng = random.Random(3)
        print(f"{'workloads':>9} {'fold p50 ms':>11} {'fold p95 ms':>11} {'read ms':>8} {'bytes/workload':>14}"
              f" {'baseline json ms':>16} {'check':>6}")
        for workloads in (50, 200, 2000):
            org = f"org-{workloads}"
            for h in range(24):  # a day of hourly history first
                clock.at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=h)
                folder.record(org, "c", _sample(workloads, clock.at, rng))
            folds, encodes = [], []
            for m in range(30):
                clock.at += timedelta(minutes=1)
                sample = _sample(workloads, clock.at, rng)
                t0 = time.perf_counter()
                folder.record(org, "c", sample)
                folds.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                json.dumps(sample)
                encodes.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            store.all(org, "c")
            read = (time.perf_counter() - t0) * 1000
            used = int(client.memory_usage(history_key(org, "c")) or 0)
            # checked apart from the folder: straight from Redis, one field per workload, each a JSON document
            raw = client.hgetall(history_key(org, "c"))
            ok = len(raw) == workloads and all(isinstance(json.loads(v), dict) for v in raw.values())
            folds.sort()
            print(f"{workloads:>9} {statistics.median(folds):>11.1f} {folds[int(0.95 * (len(folds) - 1))]:>11.1f}"
                  f" {read:>8.1f} {used / workloads:>14.0f} {statistics.median(encodes):>16.2f} {'ok' if ok else 'FAIL':>6}")
            if not ok:
                raise SystemExit(f"{workloads} workloads: the stored history has {len(raw)} fields")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
