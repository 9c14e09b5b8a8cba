"""Scheduling constraints of the snapshot v2: extended resources, required node affinity, topology spread.

Values and matching only (standard library); ``model.snapshot_from_dict`` reads them, the planner and the
plan validator apply them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NVIDIA_GPU = "nvidia.com/gpu"
AMD_GPU = "amd.com/gpu"
NEURON = "aws.amazon.com/neuron"
#: Accelerator resources a node offers one kind of; a pod asks for at most one of them.
ACCELERATORS: tuple[str, ...] = (NVIDIA_GPU, AMD_GPU, NEURON)
HOSTNAME_KEY = "kubernetes.io/hostname"
ZONE_KEY = "topology.kubernetes.io/zone"
#: Pods at or above this priority (system-cluster-critical, system-node-critical) never move.
SYSTEM_PRIORITY = 2_000_000_000
#: Default spread: no more than this share of a workload's replicas on one node or in one Spot pool.
DEFAULT_MAX_SHARE = 0.5

Requirement = tuple[str, str, tuple[str, ...]]  # (key, operator, values)
Term = tuple[Requirement, ...]  # all requirements of a term hold
Affinity = tuple[Term, ...]  # some term holds (empty: no constraint)


@dataclass(frozen=True, slots=True)
class SpreadRule:
    """A DoNotSchedule topology spread constraint: pods matching ``selector`` in the pod's namespace."""

    max_skew: int
    topology_key: str
    selector: tuple[tuple[str, str], ...]  # matchLabels; empty: the pod's own owner


def requirement_holds(labels: Mapping[str, str], req: Requirement) -> bool:
    """One node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt) against node labels."""
    key, op, values = req
    value = labels.get(key)
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            left, right = int(value), int(values[0])
        except ValueError:
            return False
        return left > right if op == "Gt" else left < right
    return False


def affinity_holds(labels: Mapping[str, str], affinity: Affinity) -> bool:
    """Required node affinity: true when there is none or some term has every requirement holding."""
    return not affinity or any(all(requirement_holds(labels, r) for r in term) for term in affinity)


def parse_affinity(value: Any) -> Affinity:
    """``affinity_required`` (nodeSelectorTerms with ``matchExpressions``) → Affinity."""
    terms: list[Term] = []
    for term in value or []:
        reqs = tuple(
            (str(e["key"]), str(e.get("operator", "In")), tuple(str(v) for v in e.get("values", []) or []))
            for e in (term or {}).get("matchExpressions", []) or []
        )
        if reqs:
            terms.append(reqs)
    return tuple(terms)


def parse_spread(value: Any) -> tuple[SpreadRule, ...]:
    """``topology_spread`` entries with ``when_unsatisfiable: DoNotSchedule`` → SpreadRule (others are soft)."""
    rules: list[SpreadRule] = []
    for item in value or []:
        if str(item.get("when_unsatisfiable", "DoNotSchedule")) != "DoNotSchedule":
            continue
        match = dict((item.get("selector") or {}).get("matchLabels") or {})
        rules.append(
            SpreadRule(
                max(1, int(item.get("max_skew", 1))),
                str(item.get("topology_key", ZONE_KEY)),
                tuple(sorted((str(k), str(v)) for k, v in match.items())),
            )
        )
    return tuple(rules)


def parse_accelerator(extended: Mapping[str, int], gpu: int) -> tuple[str, int]:
    """(resource name, count) of the accelerator a pod asks for; legacy ``gpu`` alone means NVIDIA."""
    for name in ACCELERATORS:
        if extended.get(name, 0) > 0:
            return name, int(extended[name])
    return (NVIDIA_GPU, gpu) if gpu > 0 else ("", 0)


def selector_matches(selector: Iterable[tuple[str, str]], labels: Mapping[str, str]) -> bool:
    """matchLabels against pod labels."""
    return all(labels.get(k) == v for k, v in selector)


def spread_domain_node(labels: Mapping[str, str], node_selector: Mapping[str, str], affinity: Affinity) -> bool:
    """A node counts as a spread domain for a pod when its selector and required affinity match (taints
    are ignored: the scheduler's default ``nodeTaintsPolicy``)."""
    return all(labels.get(k) == v for k, v in node_selector.items()) and affinity_holds(labels, affinity)
