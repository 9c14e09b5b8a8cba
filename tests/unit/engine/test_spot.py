"""Spot pool ranking: risk-aware cost, flags, weighted policy, diversity and fallback."""

from __future__ import annotations

import pytest

from spothive.domain.spot import PodRequirements, SpotPolicy, diversify, fallback_order, rank_pools
from tests.unit.engine.helpers import tiny_catalog

REQ = PodRequirements(cpu_m=500, memory_mib=1024, replicas=2)


def test_cheapest_safe_pool_ranks_first_with_reason() -> None:
    ranking = rank_pools(REQ, tiny_catalog(), {"z-a:m5.large": 0.05, "z-b:m5.large": 0.05}, set())
    first = ranking[0]
    assert (first.instance_type, first.zone, first.capacity_type) == ("m5.large", "z-a", "spot")
    assert first.cost_per_replica_hour == pytest.approx(0.02)
    assert "z-a" in first.reason and "m5.large" in first.reason
    assert ranking[-1].capacity_type == "on-demand"


def test_flagged_and_risky_pools_are_excluded() -> None:
    ranking = rank_pools(REQ, tiny_catalog(), {"z-b:m5.large": 0.5}, {"RISK:z-a:m5.large"})
    keys = {r.key for r in ranking if r.capacity_type == "spot"}
    assert "z-a:m5.large" not in keys and "z-b:m5.large" not in keys
    assert ranking[0].key == "z-a:m5.xlarge"


def test_weighted_policy_trades_price_for_risk() -> None:
    probs = {"z-a:m5.large": 0.19, "z-b:m5.large": 0.0}
    ranking = rank_pools(REQ, tiny_catalog(), probs, set(), SpotPolicy(method="weighted"))
    assert ranking[0].key == "z-b:m5.large"


def test_diversity_caps_each_pool_and_fallback_order() -> None:
    ranking = rank_pools(REQ, tiny_catalog(), {}, set())
    spread = diversify(ranking, 4, 0.5)
    assert [n for _, n in spread] == [2, 2]
    blocked = ranking[0]
    alternatives = fallback_order(ranking, blocked)
    assert alternatives[0].instance_type == blocked.instance_type and alternatives[0].zone != blocked.zone
    assert alternatives[-1].capacity_type == "on-demand"
