"""Kubernetes objects projected to the records of the cluster snapshot (format v2, docs/agent.md).

Only what SpotHive plans with is kept, so the agent's memory and the snapshot stay small, and a change that
touches nothing here (a node heartbeat, a pod's status timestamps) is no change at all."""

from __future__ import annotations

import math
from typing import Any

from spothive_agent.podinfo import (
    GPU_RESOURCES,
    do_not_disrupt,
    is_mirror,
    owner,
    pv_claim,
    pv_zones,
    pvc_names,
    requests,
)
from spothive_agent.quantities import to_units
from spothive_agent.selectors import required_terms

Obj = dict[str, Any]
UNKNOWN_TYPE = "unknown.unknown"
_CAPACITY_LABELS = (("karpenter.sh/capacity-type", {"spot": "spot", "on-demand": "on-demand"}),
                    ("eks.amazonaws.com/capacityType", {"SPOT": "spot", "ON_DEMAND": "on-demand"}),
                    ("node.kubernetes.io/lifecycle", {"spot": "spot", "normal": "on-demand"}))


def capacity_type(labels: dict[str, str]) -> str:
    """``spot`` or ``on-demand`` from Karpenter's, EKS's or the legacy lifecycle label."""
    for key, values in _CAPACITY_LABELS:
        if labels.get(key) in values:
            return values[labels[key]]
    return "on-demand"


def node_record(node: Obj) -> Obj:
    """A node as the snapshot carries it."""
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    labels = dict(meta.get("labels") or {})
    instance_type = labels.get("node.kubernetes.io/instance-type") or labels.get("beta.kubernetes.io/instance-type")
    conditions = {c["type"]: c.get("status", "Unknown") for c in status.get("conditions") or [] if c.get("type")}
    allocatable: dict[str, int] = {}
    for name, value in (status.get("allocatable") or {}).items():
        key = {"cpu": "cpu_m", "memory": "memory_mib"}.get(name, name)
        if name == "ephemeral-storage" or name.startswith("hugepages-"):
            continue
        allocatable[key] = to_units(name, value)
    record: Obj = {
        "name": meta.get("name", ""),
        "instance_type": instance_type if instance_type and "." in instance_type else UNKNOWN_TYPE,
        "capacity_type": capacity_type(labels),
        "zone": labels.get("topology.kubernetes.io/zone") or labels.get("failure-domain.beta.kubernetes.io/zone", ""),
        "labels": labels,
        "taints": [{k: t[k] for k in ("key", "value", "effect") if t.get(k) is not None} for t in spec.get("taints") or []],
        "allocatable": allocatable,
        "conditions": conditions,
        "ready": conditions.get("Ready") == "True",
        "unschedulable": bool(spec.get("unschedulable")),
        "created_at": meta.get("creationTimestamp"),
    }
    ours = {k: v for k, v in (meta.get("annotations") or {}).items() if k.startswith("spothive.io/")}
    if ours:
        record["annotations"] = ours
    if spec.get("providerID"):
        record["provider_id"] = spec["providerID"]
    return record


def pod_record(pod: Obj) -> Obj | None:
    """A pod as the snapshot carries it; None for finished pods (they hold nothing)."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return None
    req = requests(pod)
    kind, name = owner(pod)
    extended = {k: v for k, v in req.items() if k not in ("cpu", "memory", "ephemeral-storage") and v}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != "pod-template-hash"}
    record: Obj = {"namespace": meta.get("namespace", "default"), "name": meta.get("name", ""),
                   "node": spec.get("nodeName") or None, "cpu_m": req.get("cpu", 0), "memory_mib": req.get("memory", 0),
                   "gpu": sum(req.get(g, 0) for g in GPU_RESOURCES), "owner": name, "owner_kind": kind,
                   "do_not_disrupt": do_not_disrupt(pod) is not None, "priority": int(spec.get("priority") or 0),
                   "phase": status.get("phase", "Pending")}
    optional: Obj = {
        "extended": extended, "labels": labels, "node_selector": dict(spec.get("nodeSelector") or {}),
        "affinity_required": required_terms(spec),
        "topology_spread": [{"max_skew": int(c.get("maxSkew", 1)), "topology_key": c.get("topologyKey", ""),
                             "when_unsatisfiable": c.get("whenUnsatisfiable", "DoNotSchedule"),
                             "selector": c.get("labelSelector") or {}}
                            for c in spec.get("topologySpreadConstraints") or []],
        "tolerations": [{k: t[k] for k in ("key", "operator", "value", "effect") if t.get(k)}
                        for t in spec.get("tolerations") or []],
        "pvcs": pvc_names(pod), "priority_class": spec.get("priorityClassName"),
        "do_not_disrupt_by": do_not_disrupt(pod), "mirror": is_mirror(pod) or None,
    }
    record.update({k: v for k, v in optional.items() if v})
    return record


def pdb_record(pdb: Obj) -> Obj:
    """A PodDisruptionBudget with its live status (``selector_owner`` is filled in by the snapshot)."""
    meta, spec, status = pdb.get("metadata") or {}, pdb.get("spec") or {}, pdb.get("status") or {}
    expected = int(status.get("expectedPods") or 0)
    allowed = int(status.get("disruptionsAllowed") or 0)
    record: Obj = {"namespace": meta.get("namespace", "default"), "name": meta.get("name", ""),
                   "selector": spec.get("selector") or {}, "disruptions_allowed": allowed,
                   "current_healthy": int(status.get("currentHealthy") or 0),
                   "desired_healthy": int(status.get("desiredHealthy") or 0), "expected_pods": expected}
    for field, key in (("minAvailable", "min_available"), ("maxUnavailable", "max_unavailable_spec")):
        if spec.get(field) is not None:
            record[key] = spec[field]
    record["max_unavailable"] = _max_unavailable(spec, expected, allowed)
    return record


def _max_unavailable(spec: Obj, expected: int, allowed: int) -> int:
    def resolve(value: int | str) -> int:
        if isinstance(value, str) and value.endswith("%"):
            return math.ceil(expected * int(value[:-1]) / 100)
        return int(value)

    if spec.get("maxUnavailable") is not None:
        return max(0, resolve(spec["maxUnavailable"]))
    if spec.get("minAvailable") is not None:
        return max(0, expected - resolve(spec["minAvailable"]))
    return allowed


def pv_record(pv: Obj) -> Obj | None:
    """A PersistentVolume reduced to the claim it serves and its zones (None when unbound or zoneless)."""
    claim, zones = pv_claim(pv), pv_zones(pv)
    if not claim or not zones:
        return None
    return {"claim": claim, "zones": zones}
