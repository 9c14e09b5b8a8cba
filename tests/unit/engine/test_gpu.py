"""GPU paths: GPU pods on GPU types only, CPU pods in GPU nodes' leftover room, the shapes LP bound."""

from __future__ import annotations

import pytest

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod

OD_ONLY = policy_from_dict({"aggressiveness": 80, "spot_allowed": False})


def gpu_catalog() -> Catalog:
    """Round allocatable numbers: 1-GPU at $0.50, 4-GPU at $1.50 ($0.375/GPU), two CPU-only types."""

    def build(name: str, cpu_m: int, mem: int, gpus: int, price: float) -> InstanceType:
        return InstanceType.build(
            name,
            cpu_m // 1000,
            mem,
            gpus=gpus,
            max_pods=58,
            ondemand_price=price,
            alloc_cpu_m=cpu_m,
            alloc_memory_mib=mem,
        )

    types = {
        "g5.xlarge": build("g5.xlarge", 4000, 16000, 1, 0.50),
        "g5.4xlarge": build("g5.4xlarge", 16000, 64000, 4, 1.50),
        "c5.xlarge": build("c5.xlarge", 4000, 16000, 0, 0.20),
        "c5.large": build("c5.large", 1000, 4000, 0, 0.05),
    }
    return Catalog(types=types, spot_prices={}, zones=("z-a",))


def _snapshot(gpu_pods: int) -> dict:
    nodes = [node(f"g{i}", "g5.xlarge") for i in range(gpu_pods)] + [node("c", "c5.xlarge")]
    pods = [pod(f"train-{i}", f"g{i}", cpu=3000, mem=8000, gpu=1) for i in range(gpu_pods)]
    pods += [pod("web-0", "c", cpu=1000, mem=4000), pod("web-1", "c", cpu=1000, mem=4000)]
    return {"nodes": nodes, "pods": pods}


def test_gpu_pods_share_the_cheapest_per_gpu_node_and_cpu_pods_fill_it() -> None:
    # Given four 1-GPU pods on four $0.50 1-GPU nodes and two small CPU pods on a $0.20 CPU node
    snap, catalog = snapshot_from_dict(_snapshot(4)), gpu_catalog()
    # When planning with the LP solver
    plan = plan_consolidation(snap, catalog, OD_ONLY, solver=HighsSolver())
    # Then one 4-GPU node ($1.50) holds all six pods: the optimum, 4 GPUs x $0.375
    assert validate_plan(snap, catalog, plan.to_dict(), OD_ONLY) == []
    assert plan.cost_before_per_hour == pytest.approx(2.20)
    assert plan.cost_after_per_hour == pytest.approx(1.50)
    assert [(n.instance_type, n.new) for n in plan.nodes] == [("g5.4xlarge", True)]
    # And the shapes LP proves it: 4 GPUs cost at least 4 x $0.375, CPU pods ride in the leftover room
    assert plan.lower_bound_per_hour == pytest.approx(1.50, rel=1e-6)
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour


def test_fractional_gpu_demand_gives_the_exact_lp_bound() -> None:
    # Given three 1-GPU pods: the LP buys 3/4 of a 4-GPU node (GPU-bound), $1.125
    snap, catalog = snapshot_from_dict(_snapshot(3)), gpu_catalog()
    plan = plan_consolidation(snap, catalog, OD_ONLY, solver=HighsSolver())
    assert validate_plan(snap, catalog, plan.to_dict(), OD_ONLY) == []
    assert plan.lower_bound_per_hour == pytest.approx(1.125, rel=1e-6)
    # And the optimum is one 4-GPU node for all five pods (three $0.50 nodes + CPU would cost $1.60)
    assert plan.cost_after_per_hour == pytest.approx(1.50)


def test_without_a_solver_gpu_plan_is_valid_and_bounded() -> None:
    snap, catalog = snapshot_from_dict(_snapshot(4)), gpu_catalog()
    plan = plan_consolidation(snap, catalog, OD_ONLY)
    assert validate_plan(snap, catalog, plan.to_dict(), OD_ONLY) == []
    assert plan.lower_bound_per_hour <= 1.50 + 1e-9 <= plan.cost_after_per_hour + 1e-9
    assert all(plan.placements[f"app/train-{i}"] != "c" for i in range(4))
