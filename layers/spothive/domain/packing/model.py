"""Cluster snapshot, packing policy and plan: the values the consolidation planner reads and writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spothive.domain.packing.constraints import (
    SYSTEM_PRIORITY,
    Affinity,
    SpreadRule,
    parse_accelerator,
    parse_affinity,
    parse_spread,
)

ALWAYS_EXCLUDED_NAMESPACES: frozenset[str] = frozenset({"kube-system"})
ARCH_LABEL = "kubernetes.io/arch"
TYPE_LABEL = "node.kubernetes.io/instance-type"
CAPACITY_LABEL = "karpenter.sh/capacity-type"
ZONE_LABEL = "topology.kubernetes.io/zone"
OS_LABEL = "kubernetes.io/os"
DAEMONSET = "DaemonSet"
DAEMONSET_PREFIX = "DaemonSet/"


@dataclass(frozen=True, slots=True)
class Taint:
    """A node taint; pods must tolerate it (by key) to land on a node carrying it."""

    key: str
    value: str = ""
    effect: str = "NoSchedule"


@dataclass(frozen=True, slots=True)
class Node:
    """A node of the snapshot."""

    name: str
    instance_type: str
    capacity_type: str
    zone: str
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()


@dataclass(frozen=True, slots=True)
class Pod:
    """A pod's requests, placement and scheduling constraints."""

    namespace: str
    name: str
    node: str | None
    cpu_m: int
    memory_mib: int
    gpu: int = 0
    owner: str = ""
    node_selector: Mapping[str, str] = field(default_factory=dict)
    do_not_disrupt: bool = False
    tolerations: frozenset[str] = frozenset()
    owner_kind: str = ""
    accelerator: str = ""  # resource name ``gpu`` counts (nvidia.com/gpu, amd.com/gpu, aws.amazon.com/neuron)
    labels: Mapping[str, str] = field(default_factory=dict)
    affinity: Affinity = ()  # required node affinity (nodeSelectorTerms)
    spread: tuple[SpreadRule, ...] = ()  # DoNotSchedule topology spread constraints
    volume_zones: frozenset[str] = frozenset()  # zones of its zonal volumes: it stays there
    priority: int = 0

    @property
    def system_critical(self) -> bool:
        """system-cluster-critical or system-node-critical: never moved."""
        return self.priority >= SYSTEM_PRIORITY

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def is_daemonset(self) -> bool:
        """``owner_kind`` is DaemonSet, or ``owner`` reads ``DaemonSet/<name>``."""
        return self.owner_kind == DAEMONSET or self.owner.startswith(DAEMONSET_PREFIX)

    @property
    def daemonset_name(self) -> str:
        """The owning DaemonSet's name: the owner without its kind, else the pod name less its hash suffix."""
        name = self.owner.removeprefix(DAEMONSET_PREFIX)
        return name or self.name.rpartition("-")[0] or self.name


@dataclass(frozen=True, slots=True)
class Pdb:
    """A PodDisruptionBudget: pods of ``selector_owner``; at most ``max_unavailable`` move at once."""

    namespace: str
    name: str
    selector_owner: str
    max_unavailable: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A cluster at one moment."""

    cluster: str
    region: str
    nodes: tuple[Node, ...]
    pods: tuple[Pod, ...]
    pdbs: tuple[Pdb, ...] = ()


@dataclass(frozen=True, slots=True)
class PackingPolicy:
    """Consolidation policy; see docs/formats.md for each field."""

    aggressiveness: int = 50
    spot_allowed: bool = True
    spot_fallback_on_demand: bool = True
    excluded_namespaces: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()
    architectures: frozenset[str] = frozenset()  # empty: the architectures the cluster runs today
    template_labels: Mapping[str, str] = field(default_factory=dict)
    max_pool_share: float = 0.5
    max_workload_share: float = 0.5  # most of a workload's replicas on one node or one Spot pool
    max_interruption_probability: float = 0.2
    #: Spot pools SpotHive fell back from to On-Demand ("zone:type"); they return only once their risk is at
    #: most ``recovery_ratio`` x the limit (hysteresis: a pool hovering at the limit does not flap).
    recovering_pools: frozenset[str] = frozenset()
    recovery_ratio: float = 0.5
    pool_risk: Mapping[str, float] = field(default_factory=dict)
    flagged_pools: frozenset[str] = frozenset()
    milp_time_limit_s: float = 5.0
    milp_max_pods: int = 60
    improve_time_limit_s: float = 2.0  # local improvement after the spread repair (a valid layout each step)
    lp_max_cells: int = 100_000  # largest shapes x destinations the shapes LP is built for

    @property
    def all_excluded_namespaces(self) -> frozenset[str]:
        """Configured exclusions plus the namespaces never touched (kube-system)."""
        return self.excluded_namespaces | ALWAYS_EXCLUDED_NAMESPACES


@dataclass(frozen=True, slots=True)
class PlanNode:
    """A node of the plan: kept (``new`` False) or to be added."""

    name: str
    instance_type: str
    capacity_type: str
    zone: str
    new: bool
    price_per_hour: float


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision with its reason and the numbers that justified it."""

    action: str
    reason: str
    evidence: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """The consolidation plan; ``to_dict`` gives the documented JSON format."""

    cost_before_per_hour: float
    cost_after_per_hour: float
    nodes: tuple[PlanNode, ...]
    placements: Mapping[str, str]
    unplaced: tuple[str, ...]
    actions: tuple[Mapping[str, Any], ...]
    decisions: tuple[Decision, ...]
    lower_bound_per_hour: float
    method: str = "heuristic"
    solve_seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative optimality gap (cost after - bound) / cost after; 0 when the plan costs nothing."""
        if self.cost_after_per_hour <= 0:
            return 0.0
        return max(0.0, (self.cost_after_per_hour - self.lower_bound_per_hour) / self.cost_after_per_hour)

    def to_dict(self) -> dict[str, Any]:
        """The plan in its JSON interchange format."""
        return {
            "cost_before_per_hour": round(self.cost_before_per_hour, 6),
            "cost_after_per_hour": round(self.cost_after_per_hour, 6),
            "lower_bound_per_hour": round(self.lower_bound_per_hour, 6),
            "optimality_gap": round(self.gap, 6),
            "method": self.method,
            "solve_seconds": round(self.solve_seconds, 4),
            "nodes": [
                {
                    "name": n.name,
                    "instance_type": n.instance_type,
                    "capacity_type": n.capacity_type,
                    "zone": n.zone,
                    "new": n.new,
                    "price_per_hour": round(n.price_per_hour, 6),
                }
                for n in self.nodes
            ],
            "placements": dict(self.placements),
            "unplaced": list(self.unplaced),
            "actions": [dict(a) for a in self.actions],
            "decisions": [
                {"action": d.action, "reason": d.reason, "evidence": dict(d.evidence)} for d in self.decisions
            ],
        }


def _labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(value or {}).items()}


def _taints(value: Any) -> tuple[Taint, ...]:
    out: list[Taint] = []
    for item in value or []:
        if isinstance(item, str):
            key, _, rest = item.partition("=")
            val, _, effect = rest.partition(":")
            out.append(Taint(key, val, effect or "NoSchedule"))
        else:
            out.append(
                Taint(str(item["key"]), str(item.get("value", "")), str(item.get("effect", "NoSchedule")))
            )
    return tuple(out)


def _tolerated(value: Any, taint_keys: frozenset[str]) -> frozenset[str]:
    """Taint keys a pod tolerates; a toleration without a key (``operator: Exists``, as DaemonSets carry)
    tolerates every taint, so it stands for every taint key in the snapshot."""
    keys: set[str] = set()
    for t in value or []:
        key = t.get("key") if isinstance(t, dict) else t
        if key:
            keys.add(str(key))
        else:
            keys |= taint_keys
    return frozenset(keys)


def _pod_from_dict(p: Mapping[str, Any], taint_keys: frozenset[str] = frozenset()) -> Pod:
    """One pod of a v1 or v2 snapshot; the accelerator comes from ``extended`` by name, else ``gpu`` (NVIDIA)."""
    extended = {str(k): int(v) for k, v in dict(p.get("extended") or {}).items()}
    accelerator, count = parse_accelerator(extended, int(p.get("gpu", 0) or 0))
    zones = p.get("volume_zones") or []
    return Pod(
        namespace=str(p.get("namespace", "default")),
        name=str(p["name"]),
        node=str(p["node"]) if p.get("node") is not None else None,
        cpu_m=int(p.get("cpu_m", 0)),
        memory_mib=int(p.get("memory_mib", 0)),
        gpu=count,
        owner=str(p.get("owner") or ""),
        node_selector=_labels(p.get("node_selector")),
        do_not_disrupt=bool(p.get("do_not_disrupt", False)),
        tolerations=_tolerated(p.get("tolerations"), taint_keys),
        owner_kind=str(p.get("owner_kind") or ""),
        accelerator=accelerator,
        labels=_labels(p.get("labels")),
        affinity=parse_affinity(p.get("affinity_required")),
        spread=parse_spread(p.get("topology_spread")),
        volume_zones=frozenset(str(z) for z in zones),
        priority=int(p.get("priority", 0) or 0),
    )


def snapshot_from_dict(data: Mapping[str, Any]) -> Snapshot:
    """Build a Snapshot from its JSON form (validated beforehand); extra fields are ignored."""
    nodes = tuple(
        Node(
            name=str(n["name"]),
            instance_type=str(n["instance_type"]),
            capacity_type=str(n.get("capacity_type", "on-demand")),
            zone=str(n.get("zone", "")),
            labels=_labels(n.get("labels")),
            taints=_taints(n.get("taints")),
        )
        for n in data.get("nodes", [])
    )
    taint_keys = frozenset(t.key for n in nodes for t in n.taints)
    pods = tuple(_pod_from_dict(p, taint_keys) for p in data.get("pods", []))
    pdbs = tuple(
        Pdb(
            namespace=str(b.get("namespace", "default")),
            name=str(b["name"]),
            selector_owner=str(b["selector_owner"]),
            max_unavailable=int(b["max_unavailable"]),
        )
        for b in data.get("pdbs", [])
    )
    return Snapshot(str(data.get("cluster", "")), str(data.get("region", "us-east-1")), nodes, pods, pdbs)


def policy_from_dict(data: Mapping[str, Any] | None) -> PackingPolicy:
    """Build a PackingPolicy from its JSON form; absent fields take their defaults."""
    data = data or {}
    template = dict(data.get("node_template") or {})
    solver = dict(data.get("solver") or {})
    defaults = PackingPolicy()
    return PackingPolicy(
        aggressiveness=int(data.get("aggressiveness", defaults.aggressiveness)),
        spot_allowed=bool(data.get("spot_allowed", True)),
        spot_fallback_on_demand=bool(data.get("spot_fallback_on_demand", True)),
        excluded_namespaces=frozenset(str(n) for n in data.get("excluded_namespaces", [])),
        families=frozenset(str(f) for f in template.get("families", [])),
        architectures=frozenset(str(a) for a in template.get("architectures", [])),
        template_labels=_labels(template.get("labels")),
        max_pool_share=float(data.get("max_pool_share", defaults.max_pool_share)),
        max_workload_share=float(data.get("max_workload_share", defaults.max_workload_share)),
        max_interruption_probability=float(
            data.get("max_interruption_probability", defaults.max_interruption_probability)
        ),
        recovering_pools=frozenset(str(k) for k in data.get("recovering_pools", []) or []),
        recovery_ratio=float(data.get("recovery_ratio", defaults.recovery_ratio)),
        pool_risk={str(k): float(v) for k, v in dict(data.get("pool_risk") or {}).items()},
        flagged_pools=frozenset(str(k) for k in data.get("flagged_pools", [])),
        milp_time_limit_s=float(solver.get("time_limit_s", defaults.milp_time_limit_s)),
        milp_max_pods=int(solver.get("milp_max_pods", defaults.milp_max_pods)),
        improve_time_limit_s=float(solver.get("improve_time_limit_s", defaults.improve_time_limit_s)),
    )


def pod_keys(pods: Sequence[Pod]) -> list[str]:
    """The ``namespace/name`` key of each pod."""
    return [p.key for p in pods]
