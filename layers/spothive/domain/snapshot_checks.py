"""The semantic checks an uploaded cluster snapshot must pass before it is stored (after its JSON Schema):
caps on its size, instance types the catalog knows, unique node and pod names, pods on nodes that exist,
and policy values inside the ranges the policy API allows. Each problem names the field."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

#: Caps on one snapshot (docs/formats.md): a cluster beyond them is planned in pieces, not in one upload.
MAX_NODES = 5_000
MAX_PODS = 100_000
MAX_PDBS = 10_000
MAX_BODY_BYTES = 32 * 1024 * 1024
#: The bin-pack range the policy API accepts (``PATCH /api/policies/binpack``).
AGGRESSIVENESS_RANGE = (20, 80)


@dataclass(frozen=True, slots=True)
class SnapshotProblem:
    """One reason a snapshot is refused: the dotted path of the bad field and what is wrong."""

    field: str
    message: str


def snapshot_problems(snapshot: Mapping[str, Any], known_types: Collection[str]) -> list[SnapshotProblem]:
    """Every problem of ``snapshot`` (already schema-valid), in document order; empty when it may be stored."""
    nodes: list[Mapping[str, Any]] = list(snapshot.get("nodes") or [])
    pods: list[Mapping[str, Any]] = list(snapshot.get("pods") or [])
    pdbs: list[Any] = list(snapshot.get("pdbs") or [])
    for name, items, cap in (("nodes", nodes, MAX_NODES), ("pods", pods, MAX_PODS), ("pdbs", pdbs, MAX_PDBS)):
        if len(items) > cap:
            return [SnapshotProblem(name, f"at most {cap} {name} per snapshot, got {len(items)}")]
    problems: list[SnapshotProblem] = []
    names: set[str] = set()
    for i, node in enumerate(nodes):
        name = str(node.get("name"))
        if name in names:
            problems.append(SnapshotProblem(f"nodes.{i}.name", f"node {name!r} appears twice"))
        names.add(name)
        instance_type = str(node.get("instance_type"))
        if instance_type not in known_types:
            problems.append(SnapshotProblem(f"nodes.{i}.instance_type", f"unknown instance type {instance_type!r}"))
    keys: set[str] = set()
    for i, pod in enumerate(pods):
        key = f"{pod.get('namespace') or 'default'}/{pod.get('name')}"
        if key in keys:
            problems.append(SnapshotProblem(f"pods.{i}.name", f"pod {key!r} appears twice"))
        keys.add(key)
        placed = pod.get("node")
        if placed is not None and str(placed) not in names:
            problems.append(SnapshotProblem(f"pods.{i}.node", f"pod {key!r} is on node {placed!r}, which is not in nodes"))
    policy = snapshot.get("policy")
    if isinstance(policy, Mapping) and "aggressiveness" in policy:
        low, high = AGGRESSIVENESS_RANGE
        value = policy["aggressiveness"]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(SnapshotProblem("policy.aggressiveness", f"must be an integer from {low} to {high}"))
    return problems
