"""Folding agent usage samples into per-workload decaying histograms, and reading recommendations from them."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.rightsizing import SizingPolicy
from spothive.domain.rightsizing_history import (
    MAX_BUCKET,
    MAX_WORKLOADS,
    MIN_SAMPLES,
    WINDOW_S,
    Observation,
    WorkloadHistory,
    fold_sample,
    new_history,
    owner_of,
    pod_recommendations,
    recommend_workload,
    sample_observations,
)

T0 = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
HOUR = 3600.0


def _history(points: list[tuple[float, float, float]]) -> WorkloadHistory:
    """A history folded from ``(ts, cpu_m, memory_mib)`` points, one fold each (as samples arrive)."""
    history = new_history(points[0][0])
    for ts, cpu, mem in points:
        history = history.folded([Observation(ts, cpu, mem)], SizingPolicy())
    return history


@pytest.mark.parametrize(("pod", "owner", "expected"), [
    ("web-7d9f8b6c5-x2x9k", None, "web"),  # Deployment: ReplicaSet hash and random suffix
    ("node-exporter-x2x9k", None, "node-exporter"),  # DaemonSet or Job: random suffix
    ("db-0", None, "db"),  # StatefulSet ordinal
    ("standalone", None, "standalone"),
    ("web-7d9f8b6c5-x2x9k", "checkout", "checkout"),  # the agent's reported owner wins
])
def test_a_pods_workload_is_its_reported_owner_else_read_from_the_generated_name(
        pod: str, owner: str | None, expected: str) -> None:
    assert owner_of(pod, owner) == expected


def test_a_workload_using_300m_of_2000m_is_recommended_300m_plus_the_margin_once_it_has_a_day() -> None:
    # Given 30 hourly samples of ~300m (±20m) and ~400 MiB over 29 hours
    rng = random.Random(7)
    history = _history([(T0 + h * HOUR, 300 + rng.uniform(-20, 20), 400 + rng.uniform(-5, 5)) for h in range(30)])
    # When a recommendation is read
    rec = recommend_workload("shop/checkout", history)
    # Then CPU is p90 (≤ 320m, read as its bucket's upper edge: at most 5 % and one first bucket above) plus
    # 15 %, memory the peak plus 15 %
    assert 300 * 1.15 <= rec.cpu_m <= (320 * 1.05 + 10) * 1.15 + 1
    assert 400 * 1.15 <= rec.memory_mib <= (405 * 1.05 + 10) * 1.15 + 1
    assert (rec.namespace, rec.owner, rec.samples, rec.history_s) == ("shop", "checkout", 30, 29 * HOUR)
    assert rec.confident is True
    assert rec.confidence == round(29 * HOUR / WINDOW_S, 4)


def test_a_new_workload_is_not_confident_before_a_day_or_enough_samples() -> None:
    # A few minutes of samples, and a day-long span with too few samples
    short = recommend_workload("shop/new", _history([(T0 + m * 60, 300, 400) for m in range(20)]))
    sparse = recommend_workload("shop/sparse", _history([(T0, 300, 400), (T0 + 30 * HOUR, 300, 400)]))
    assert short.confident is False and "not confident" in short.reason
    assert sparse.confident is False and sparse.samples == 2 < MIN_SAMPLES


def test_newer_usage_outweighs_older_usage_after_the_histogram_decays() -> None:
    # Given 100 samples at 1000m ten days ago and then 100 at 200m
    old = [(T0 + i * 60, 1000.0, 500.0) for i in range(100)]
    new = [(T0 + 10 * 24 * HOUR + i * 60, 200.0, 500.0) for i in range(100)]
    rec = recommend_workload("shop/api", _history(old + new))
    # Then p90 follows the recent 200m: the old samples weigh 2^-10 each
    assert rec.cpu_m < 260


def test_a_peak_older_than_the_window_is_forgotten() -> None:
    # Given a 4 GiB memory spike 15 days ago, then two weeks at 500 MiB
    spike = [(T0, 100.0, 4096.0)]
    steady = [(T0 + d * 24 * HOUR + h * HOUR, 100.0, 500.0) for d in range(1, 16) for h in range(0, 24, 6)]
    history = _history(spike + steady)
    # Then the spike's bucket dropped out and memory follows the recent peak
    assert recommend_workload("shop/api", history).memory_mib < 620
    # But a spike inside the window is kept (memory is read at its peak)
    assert recommend_workload("shop/api", _history([*steady, (T0 + 16 * 24 * HOUR, 100, 4096)])).memory_mib > 4096


def test_a_history_stays_small_whatever_the_sample_count() -> None:
    # Given 20 000 observations spread across the whole bucket range
    rng = random.Random(1)
    history = new_history(T0)
    for i in range(200):
        obs = [Observation(T0 + i * 300, rng.uniform(0, 4_000_000), rng.uniform(0, 4_000_000)) for _ in range(100)]
        history = history.folded(obs, SizingPolicy())
    stored = json.dumps(history.to_dict(), separators=(",", ":"))
    # Then each histogram has at most MAX_BUCKET + 1 buckets and the stored form is a few KiB
    assert len(history.cpu) <= MAX_BUCKET + 1 and len(history.memory) <= MAX_BUCKET + 1
    assert len(stored) < 8192
    # And it reads back to the same recommendation
    again = WorkloadHistory.from_dict(json.loads(stored))
    assert recommend_workload("a/b", again) == recommend_workload("a/b", history)


def test_a_sample_groups_pods_by_workload_and_cannot_be_in_the_future() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    sample = {"cluster_id": "c", "collected_at": "2026-12-01T13:00:00Z", "source": "metrics-server", "nodes": [],
              "pods": [{"namespace": "shop", "name": "web-7d9f8b6c5-x2x9k", "cpu_m": 300, "memory_mib": 400},
                       {"namespace": "shop", "name": "web-7d9f8b6c5-b4n5m", "cpu_m": 310, "memory_mib": 410},
                       {"namespace": "shop", "name": "x-1", "cpu_m": 5, "memory_mib": 5, "owner": "worker"}]}
    found = sample_observations(sample, now)
    assert sorted(found) == ["shop/web", "shop/worker"]
    assert [o.cpu_m for o in found["shop/web"]] == [300, 310]
    assert {o.ts for obs in found.values() for o in obs} == {now.timestamp()}  # clamped to the hub's clock
    past = sample_observations({**sample, "collected_at": "2026-12-01T11:00:00Z"}, now)
    assert past["shop/web"][0].ts == (now - timedelta(hours=1)).timestamp()


def test_new_workloads_beyond_the_cap_are_dropped_and_known_ones_still_fold() -> None:
    known = {"a/known": new_history(T0)}
    observations = {k: [Observation(T0 + 60, 100, 100)] for k in ("a/known", "a/new1", "a/new2")}
    updated, dropped = fold_sample(known, observations, known=MAX_WORKLOADS - 1)
    assert sorted(updated) == ["a/known", "a/new1"] and dropped == ["a/new2"]
    assert updated["a/known"].samples == 1


def test_pod_recommendations_cover_the_pods_of_workloads_with_a_history() -> None:
    recs = {"shop/web": recommend_workload("shop/web", _history([(T0 + h * HOUR, 300, 400) for h in range(30)]))}
    pods = [("shop", "web-7d9f8b6c5-x2x9k", "web"), ("shop", "web-7d9f8b6c5-b4n5m", ""), ("shop", "db-0", "db")]
    found = pod_recommendations(pods, recs)
    assert [(r.pod, r.cpu_m, r.confident) for r in found] == [
        ("web-7d9f8b6c5-x2x9k", recs["shop/web"].cpu_m, True), ("web-7d9f8b6c5-b4n5m", recs["shop/web"].cpu_m, True)]
