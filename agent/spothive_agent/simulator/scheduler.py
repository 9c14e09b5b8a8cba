"""The simulator's scheduler: which Ready, schedulable node a pending pod fits, as kube-scheduler's filters do.

Filters: resource requests (cpu, memory, pod slots and every extended resource by name), nodeSelector,
required node affinity, taints/tolerations, volume zones and topology spread (DoNotSchedule). Among the
nodes that pass, the least allocated wins (kube-scheduler's default score), ties broken by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spothive_agent.podinfo import is_finished, requests
from spothive_agent.quantities import to_units
from spothive_agent.selectors import (
    label_selector_matches,
    node_selector_terms_match,
    required_terms,
    untolerated_taints,
)

Obj = dict[str, Any]


@dataclass(slots=True)
class NodeRoom:
    """A node's allocatable and what its pods already request."""

    node: Obj
    allocatable: dict[str, int]
    used: dict[str, int]

    @property
    def name(self) -> str:
        """The node's name."""
        return str(self.node["metadata"]["name"])

    @property
    def labels(self) -> dict[str, str]:
        """The node's labels."""
        return self.node["metadata"].get("labels") or {}


def node_ready(node: Obj) -> bool:
    """The node's Ready condition is True."""
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def rooms(nodes: list[Obj], pods: list[Obj], req: Callable[[Obj], dict[str, int]] = requests) -> dict[str, NodeRoom]:
    """Every node's allocatable and requested resources (pods counted as one ``pods`` each)."""
    out = {
        n["metadata"]["name"]: NodeRoom(
            n, {k: to_units(k, v) for k, v in ((n.get("status") or {}).get("allocatable") or {}).items()}, {}
        )
        for n in nodes
    }
    for pod in pods:
        room = out.get((pod.get("spec") or {}).get("nodeName") or "")
        if room is None or is_finished(pod):
            continue
        for name, amount in req(pod).items():
            room.used[name] = room.used.get(name, 0) + amount
        room.used["pods"] = room.used.get("pods", 0) + 1
    return out


def why_not(pod: Obj, room: NodeRoom, volume_zones: list[str], want: dict[str, int] | None = None) -> str | None:
    """The first filter the node fails for the pod, or None when it fits (topology spread checked apart)."""
    node, spec = room.node, pod.get("spec") or {}
    if not node_ready(node):
        return "node not Ready"
    if (node.get("spec") or {}).get("unschedulable"):
        return "node cordoned"
    for key, value in (spec.get("nodeSelector") or {}).items():
        if room.labels.get(key) != value:
            return f"node selector {key}={value}"
    if not node_selector_terms_match(required_terms(spec), room.labels, room.name):
        return "required node affinity"
    taints = untolerated_taints(spec.get("tolerations") or [], (node.get("spec") or {}).get("taints") or [])
    if taints:
        return f"taint {taints[0].get('key')}"
    if volume_zones and room.labels.get("topology.kubernetes.io/zone") not in volume_zones:
        return "volume zone"
    want = {**(want if want is not None else requests(pod)), "pods": 1}
    for name, amount in want.items():
        if amount and room.used.get(name, 0) + amount > room.allocatable.get(name, 0):
            return f"insufficient {name}"
    return None


def spread_ok(pod: Obj, room: NodeRoom, candidates: list[NodeRoom], pods: list[Obj]) -> bool:
    """Every DoNotSchedule topology spread constraint allows placing the pod on this node."""
    spec, namespace = pod.get("spec") or {}, pod["metadata"].get("namespace")
    constraints = spec.get("topologySpreadConstraints") or []
    if not constraints:
        return True
    node_labels = {r.name: r.labels for r in candidates}
    for constraint in constraints:
        if constraint.get("whenUnsatisfiable", "DoNotSchedule") != "DoNotSchedule":
            continue
        key, selector = constraint.get("topologyKey", ""), constraint.get("labelSelector")
        if key not in room.labels:
            return False
        counts = {r.labels[key]: 0 for r in candidates if key in r.labels}
        for other in pods:
            node_name = (other.get("spec") or {}).get("nodeName")
            if not node_name or node_name not in node_labels or other["metadata"].get("namespace") != namespace:
                continue
            domain = node_labels[node_name].get(key)
            if domain is not None and label_selector_matches(selector, other["metadata"].get("labels") or {}):
                counts[domain] = counts.get(domain, 0) + 1
        if counts[room.labels[key]] + 1 - min(counts.values()) > int(constraint.get("maxSkew", 1)):
            return False
    return True


def pick_node(pod: Obj, node_rooms: dict[str, NodeRoom], pods: list[Obj], volume_zones: list[str],
              want: dict[str, int] | None = None) -> str | None:
    """The node the scheduler binds the pod to, or None when none fits (it stays Pending)."""
    want = want if want is not None else requests(pod)
    fitting = [r for r in node_rooms.values() if why_not(pod, r, volume_zones, want) is None]
    if not fitting:
        return None
    spec = pod.get("spec") or {}
    if not spec.get("topologySpreadConstraints"):
        return min(fitting, key=lambda r: (_allocated(r), r.name)).name
    eligible = [r for r in node_rooms.values()
                if all(r.labels.get(k) == v for k, v in (spec.get("nodeSelector") or {}).items())
                and node_selector_terms_match(required_terms(spec), r.labels, r.name)]
    fitting = [r for r in fitting if spread_ok(pod, r, eligible, pods)]
    if not fitting:
        return None

    return min(fitting, key=lambda r: (_allocated(r), r.name)).name


def _allocated(r: NodeRoom) -> float:
    """The larger of the node's CPU and memory shares already requested."""
    shares = [r.used.get(k, 0) / r.allocatable[k] for k in ("cpu", "memory") if r.allocatable.get(k)]
    return max(shares) if shares else 0.0
