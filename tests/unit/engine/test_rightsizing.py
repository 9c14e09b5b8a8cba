"""Right-sizing: decaying histogram, recommendations and the savings they unlock."""

from __future__ import annotations

import pytest

from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.rightsizing import (
    DecayingHistogram,
    Recommendation,
    SizingPolicy,
    apply_recommendations,
    parse_prometheus_matrix,
    recommend,
)
from spothive.domain.rightsizing_savings import rightsizing_savings
from tests.unit.engine.helpers import node, pod, tiny_catalog

HOUR = 3600.0


def test_histogram_percentile_lands_in_the_right_bucket() -> None:
    h = DecayingHistogram(0.01, 1.05, 24 * HOUR, reference_ts=0.0)
    for i in range(90):
        h.add(0.1, 0.0)
    for i in range(10):
        h.add(1.0, 0.0)
    assert 0.1 <= h.percentile(0.9) <= 0.111  # the upper edge of the bucket holding 0.1
    assert 1.0 <= h.percentile(0.99) <= 1.05


def test_old_samples_weigh_half_per_half_life() -> None:
    h = DecayingHistogram(0.01, 1.05, 24 * HOUR, reference_ts=48 * HOUR)
    h.add(1.0, 0.0)  # two half-lives old: weight 0.25
    h.add(0.1, 48 * HOUR)  # weight 1
    assert h.total == pytest.approx(1.25)
    assert h.percentile(0.5) < 0.2


def test_recommendation_needs_history_and_adds_margin() -> None:
    key = ("app", "web-1", "web")
    cpu = {key: [(t * 300.0, 0.2) for t in range(0, 300)]}  # 25 h at 0.2 cores
    mem = {key: [(t * 300.0, 512 * 2**20) for t in range(0, 300)]}
    [rec] = recommend(cpu, mem)
    assert rec.confident
    assert 230 <= rec.cpu_m <= 250  # 0.2 cores rounded up to its bucket edge, x 1.15
    assert rec.memory_mib == 589  # ceil(512 x 1.15)
    [short] = recommend({key: cpu[key][:10]}, {key: mem[key][:10]})
    assert not short.confident and "not enough history" in short.reason
    assert recommend({key: cpu[key][:10]}, {}, SizingPolicy(min_history_s=0))[0].confident


def test_prometheus_matrix_is_parsed_by_container() -> None:
    doc = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {
                    "metric": {"namespace": "app", "pod": "p", "container": "c"},
                    "values": [[1.0, "0.5"], [2.0, "0.7"]],
                }
            ],
        },
    }
    assert parse_prometheus_matrix(doc) == {("app", "p", "c"): [(1.0, 0.5), (2.0, 0.7)]}
    with pytest.raises(ValueError):
        parse_prometheus_matrix({"status": "error"})


def test_resized_requests_unlock_more_consolidation() -> None:
    snap = snapshot_from_dict(
        {"nodes": [node("a"), node("b")], "pods": [pod("p1", "a", cpu=3000), pod("p2", "b", cpu=3000)]}
    )
    recs = [
        Recommendation("app", "p1", "c", 400, 512, True, 90000, "r"),
        Recommendation("app", "p2", "c", 400, 512, True, 90000, "r"),
    ]
    assert apply_recommendations(snap, recs).pods[0].cpu_m == 400
    result = rightsizing_savings(
        snap, tiny_catalog(), policy_from_dict({"aggressiveness": 80, "spot_allowed": False}), recs
    )
    assert result.plan_current.cost_after_per_hour == pytest.approx(0.40)
    assert result.plan_resized.cost_after_per_hour == pytest.approx(0.10)
    assert result.extra_savings_per_hour == pytest.approx(0.30)
