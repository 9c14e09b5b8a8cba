"""Property: every plan for a random snapshot passes the independent validator and respects its bound."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import tiny_catalog

TYPES = ["m5.large", "m5.xlarge", "m5.2xlarge", "m7g.xlarge"]
CATALOG = tiny_catalog()


@st.composite
def snapshots(draw: st.DrawFn) -> dict:
    n_nodes = draw(st.integers(1, 6))
    nodes = []
    free = []
    for i in range(n_nodes):
        itype = draw(st.sampled_from(TYPES))
        t = CATALOG.types[itype]
        nodes.append(
            {
                "name": f"n{i}",
                "instance_type": itype,
                "capacity_type": draw(st.sampled_from(["on-demand", "spot"])),
                "zone": draw(st.sampled_from(["z-a", "z-b"])),
                "taints": draw(st.sampled_from([[], [{"key": "dedicated", "effect": "NoSchedule"}]])),
            }
        )
        free.append([t.alloc_cpu_m, t.alloc_memory_mib, t.max_pods])
    pods = []
    for j in range(draw(st.integers(0, 14))):
        cpu = draw(st.integers(50, 1800))
        mem = draw(st.integers(64, 6000))
        home = draw(st.integers(-1, n_nodes - 1))
        on = None
        if home >= 0 and free[home][0] >= cpu and free[home][1] >= mem and free[home][2] >= 1:
            free[home][0] -= cpu
            free[home][1] -= mem
            free[home][2] -= 1
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
