"""Property: plans for random v2 snapshots (accelerators by name, affinity, spread, volume zones, priority)
pass the validator, never cost more than today when nothing is pending, and respect their bound."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import tiny_catalog

_BASE = tiny_catalog()


def _gpu(name: str, price: float, accelerator: str) -> InstanceType:
    return InstanceType.build(name, 4, 16384, gpus=1, max_pods=58, ondemand_price=price, accelerator=accelerator)


CATALOG = Catalog(
    types={
        **_BASE.types,
        "g4dn.xlarge": _gpu("g4dn.xlarge", 0.52, "nvidia.com/gpu"),
        "g4ad.xlarge": _gpu("g4ad.xlarge", 0.38, "amd.com/gpu"),
        "inf1.xlarge": _gpu("inf1.xlarge", 0.23, "aws.amazon.com/neuron"),
    },
    spot_prices={**_BASE.spot_prices, ("g4ad.xlarge", "z-a"): 0.12, ("g4dn.xlarge", "z-b"): 0.2},
    zones=_BASE.zones,
)
TYPES = ["m5.large", "m5.xlarge", "m5.2xlarge", "g4dn.xlarge", "g4ad.xlarge", "inf1.xlarge"]
ACCELERATORS = ["nvidia.com/gpu", "amd.com/gpu", "aws.amazon.com/neuron"]
ZONE_SPREAD = {"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule"}
HOST_SPREAD = {"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "DoNotSchedule"}
AFFINITIES = [
    [],
    [{"matchExpressions": [{"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}]}],
    [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "NotIn", "values": ["z-b"]}]}],
]


def _accepts(itype: InstanceType, accel: str | None) -> bool:
    return accel is None or itype.accelerator == accel


@st.composite
def snapshots(draw: st.DrawFn) -> dict:
    nodes, free = [], []
    for i in range(draw(st.integers(1, 6))):
        itype = draw(st.sampled_from(TYPES))
        t = CATALOG.types[itype]
        zone = draw(st.sampled_from(["z-a", "z-b"]))
        nodes.append({"name": f"n{i}", "instance_type": itype, "zone": zone,
                      "capacity_type": draw(st.sampled_from(["on-demand", "spot"]))})
        free.append((t, [t.alloc_cpu_m, t.alloc_memory_mib, t.gpus, t.max_pods], zone))
    pods = []
    web_spread = draw(st.sampled_from([ZONE_SPREAD, HOST_SPREAD]))  # one Deployment, one pod template
    for j in range(draw(st.integers(0, 14))):
        cpu, mem = draw(st.integers(50, 1500)), draw(st.integers(64, 4000))
        accel = draw(st.sampled_from([None, None, None, *ACCELERATORS]))
        owner = draw(st.sampled_from(["web", "api", "db", ""]))
        home = draw(st.integers(-1, len(nodes) - 1))
        on, zone = None, None
        if home >= 0:
            t, f, zone = free[home]
            gpu = 1 if accel else 0
            if f[0] >= cpu and f[1] >= mem and f[2] >= gpu and f[3] >= 1 and _accepts(t, accel):
                f[0], f[1], f[2], f[3] = f[0] - cpu, f[1] - mem, f[2] - gpu, f[3] - 1
                on = f"n{home}"
        extra: dict = {}
        if accel:
            extra["extended"] = {accel: 1}
            extra["gpu"] = 1 if accel != "aws.amazon.com/neuron" else 0
        if owner == "db" and on is not None and draw(st.booleans()):
            extra["volume_zones"] = [zone]
        if owner == "web":
            extra["topology_spread"] = [web_spread]
        if on is None or draw(st.booleans()):  # a pod never runs where its own affinity forbids
            extra["affinity_required"] = draw(st.sampled_from(AFFINITIES)) if on is None else []
        pods.append(
            {"namespace": "app", "name": f"p{j}", "node": on, "cpu_m": cpu, "memory_mib": mem, "owner": owner,
             "owner_kind": "Deployment" if owner else "", "labels": {"app": owner} if owner else {},
             "priority": draw(st.sampled_from([0, 1000, 2_000_001_000])), **extra}
        )
    return {"cluster": "prop-v2", "nodes": nodes, "pods": pods, "pdbs": []}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=snapshots(), aggressiveness=st.integers(20, 80), spot=st.booleans(), lp=st.booleans())
def test_every_v2_plan_is_valid(doc: dict, aggressiveness: int, spot: bool, lp: bool) -> None:
    # Given a random v2 snapshot and policy
    policy = policy_from_dict({"aggressiveness": aggressiveness, "spot_allowed": spot})
    snap = snapshot_from_dict(doc)
    # When planning, with or without the shapes LP
    plan = plan_consolidation(snap, CATALOG, policy, solver=HighsSolver(threads=1) if lp else None)
    # Then no constraint breaks (accelerator vendor, affinity, zones, spread, priority pinning, capacity)
    assert validate_plan(snap, CATALOG, plan.to_dict(), policy) == []
    # And a plan with nothing pending never costs more than today, and sits above its bound
    if all(p.node is not None for p in snap.pods):
        assert plan.cost_after_per_hour <= plan.cost_before_per_hour + 1e-9
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour + 1e-9


def test_a_new_zone_beside_unmoved_spread_pods_is_no_violation_but_moving_one_into_it_is() -> None:
    """Kubernetes checks max_skew only when scheduling: a pending pod's new node in another zone leaves the
    spread-constrained pods where they are, which the validator must accept; moving one of them is checked."""
    spread = [{"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule"}]
    web = [{"namespace": "app", "name": f"w{i}", "node": "n0", "cpu_m": 50, "memory_mib": 64, "owner": "web",
            "owner_kind": "Deployment", "labels": {"app": "web"}, "topology_spread": spread} for i in range(3)]
    doc = {"cluster": "spread", "nodes": [{"name": "n0", "instance_type": "m5.large", "zone": "z-b",
                                           "capacity_type": "on-demand"}],
           "pods": [*web, {"namespace": "app", "name": "pending", "node": None, "cpu_m": 1000, "memory_mib": 64,
                           "owner": "api", "owner_kind": "Deployment", "labels": {"app": "api"}}], "pdbs": []}
    snap, policy = snapshot_from_dict(doc), policy_from_dict({"aggressiveness": 20, "spot_allowed": False})
    new_node = {"name": "x1", "instance_type": "m5.large", "capacity_type": "on-demand", "zone": "z-a", "new": True,
                "price_per_hour": 0.1}
    kept = {"name": "n0", "instance_type": "m5.large", "capacity_type": "on-demand", "zone": "z-b", "new": False,
            "price_per_hour": 0.1}
    placements = {f"app/w{i}": "n0" for i in range(3)} | {"app/pending": "x1"}
    plan = {"nodes": [kept, new_node], "placements": placements, "unplaced": [], "actions": []}
    assert validate_plan(snap, CATALOG, plan, policy) == []
    # two of three web pods moved into z-a leave skew 1: allowed; all three into z-a is skew 3 against z-b's 0
    moved = {**plan, "placements": {**placements, "app/w0": "x1", "app/w1": "x1", "app/w2": "x1"}}
    kinds = {v.kind for v in validate_plan(snap, CATALOG, moved, policy)}
    assert kinds == {"spread"}
