"""Property: every plan for a random snapshot passes the independent validator and respects its bound."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.catalog import Catalog
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import tiny_catalog
from tests.unit.engine.test_gpu import gpu_catalog

TYPES = ["m5.large", "m5.xlarge", "m5.2xlarge", "m7g.xlarge"]
CATALOG = tiny_catalog()
GPU_TYPES = ["m5.large", "m5.xlarge", "g5.xlarge", "g5.4xlarge", "c5.large"]
GPU_CATALOG = Catalog(
    types={**CATALOG.types, **gpu_catalog().types}, spot_prices=CATALOG.spot_prices, zones=CATALOG.zones
)


def _daemonset_pods(draw: st.DrawFn, free: list[list[int]]) -> list[dict]:
    """Up to two DaemonSets (either owner convention, any namespace), one pod per node where it fits."""
    pods: list[dict] = []
    for d in range(draw(st.integers(0, 2))):
        ns = draw(st.sampled_from(["kube-system", "monitoring"]))
        marker = draw(
            st.sampled_from([{"owner_kind": "DaemonSet", "owner": f"ds{d}"}, {"owner": f"DaemonSet/ds{d}"}])
        )
        for i, f in enumerate(free):
            cpu, mem = draw(st.integers(10, 400)), draw(st.integers(16, 512))
            on = f"n{i}" if f[0] >= cpu and f[1] >= mem and f[2] >= 1 and draw(st.integers(0, 5)) else None
            if on is not None:
                f[0] -= cpu
                f[1] -= mem
                f[2] -= 1
            pods.append(
                {"namespace": ns, "name": f"ds{d}-{i}", "node": on, "cpu_m": cpu, "memory_mib": mem, **marker}
            )
    return pods


@st.composite
def snapshots(draw: st.DrawFn, types: list[str] = TYPES, catalog: Catalog = CATALOG) -> dict:
    n_nodes = draw(st.integers(1, 6))
    nodes = []
    free = []
    for i in range(n_nodes):
        itype = draw(st.sampled_from(types))
        t = catalog.types[itype]
        nodes.append(
            {
                "name": f"n{i}",
                "instance_type": itype,
                "capacity_type": draw(st.sampled_from(["on-demand", "spot"])),
                "zone": draw(st.sampled_from(["z-a", "z-b"])),
                "taints": draw(st.sampled_from([[], [{"key": "dedicated", "effect": "NoSchedule"}]])),
            }
        )
        free.append([t.alloc_cpu_m, t.alloc_memory_mib, t.max_pods, t.gpus])
    pods = _daemonset_pods(draw, free)
    for j in range(draw(st.integers(0, 14))):
        cpu = draw(st.integers(50, 1800))
        mem = draw(st.integers(64, 6000))
        gpu = draw(st.integers(0, 2)) if catalog is not CATALOG else 0
        home = draw(st.integers(-1, n_nodes - 1))
        on = None
        f = free[home] if home >= 0 else None
        if f is not None and f[0] >= cpu and f[1] >= mem and f[2] >= 1 and f[3] >= gpu:
            f[0] -= cpu
            f[1] -= mem
            f[2] -= 1
            f[3] -= gpu
            on = f"n{home}"
        selector = draw(
            st.sampled_from(
                [
                    {},
                    {},
                    {"topology.kubernetes.io/zone": "z-a"},
                    {"karpenter.sh/capacity-type": "on-demand"},
                    {"kubernetes.io/arch": "arm64"},
                ]
            )
        )
        pods.append(
            {
                "namespace": draw(st.sampled_from(["app", "app", "kube-system", "batch"])),
                "name": f"p{j}",
                "node": on,
                "cpu_m": cpu,
                "memory_mib": mem,
                "gpu": gpu,
                "owner": draw(st.sampled_from(["web", "api", ""])),
                "node_selector": selector,
                "do_not_disrupt": draw(st.booleans()) and draw(st.booleans()),
                "tolerations": draw(st.sampled_from([[], ["dedicated"]])),
            }
        )
    pdbs = [
        {
            "namespace": "app",
            "name": "web",
            "selector_owner": "web",
            "max_unavailable": draw(st.integers(0, 2)),
        }
    ]
    return {"cluster": "prop", "nodes": nodes, "pods": pods, "pdbs": pdbs}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=snapshots(),
    aggressiveness=st.integers(20, 80),
    spot=st.booleans(),
    families=st.sampled_from([[], ["m5"], ["m7g", "m5"]]),
)
def test_every_plan_is_valid(doc: dict, aggressiveness: int, spot: bool, families: list[str]) -> None:
    # Given a random snapshot and policy
    policy = policy_from_dict(
        {
            "aggressiveness": aggressiveness,
            "spot_allowed": spot,
            "excluded_namespaces": ["batch"],
            "node_template": {"families": families},
        }
    )
    snap = snapshot_from_dict(doc)
    # When planning
    plan = plan_consolidation(snap, CATALOG, policy)
    # Then no hard constraint is broken, nothing placed before is lost, and the bound holds
    assert validate_plan(snap, CATALOG, plan.to_dict(), policy) == []
    assert plan.cost_after_per_hour <= plan.cost_before_per_hour + 1e-9 or any(
        p.node is None for p in snap.pods
    )
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour + 1e-9


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=snapshots(GPU_TYPES, GPU_CATALOG), aggressiveness=st.integers(20, 80), spot=st.booleans())
def test_every_lp_plan_with_gpus_is_valid(doc: dict, aggressiveness: int, spot: bool) -> None:
    # Given a random snapshot with GPU pods and nodes, planned through the shapes LP
    policy = policy_from_dict(
        {"aggressiveness": aggressiveness, "spot_allowed": spot, "excluded_namespaces": ["batch"]}
    )
    snap = snapshot_from_dict(doc)
    plan = plan_consolidation(snap, GPU_CATALOG, policy, solver=HighsSolver())
    # Then the plan is valid, never dearer than today, and above its proven bound
    assert validate_plan(snap, GPU_CATALOG, plan.to_dict(), policy) == []
    assert plan.cost_after_per_hour <= plan.cost_before_per_hour + 1e-9 or any(
        p.node is None for p in snap.pods
    )
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour + 1e-9
