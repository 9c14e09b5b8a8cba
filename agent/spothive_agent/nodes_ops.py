"""Cordon, taint and their rollback on a node, with optimistic concurrency on the node's resourceVersion."""

from __future__ import annotations

from typing import Any

from spothive_agent.clock import rfc3339
from spothive_agent.kube import Conflict, KubePort
from spothive_agent.outcome import Outcome

Obj = dict[str, Any]
TAINT = {"key": "spothive.io/disrupted", "effect": "NoSchedule"}
CORDONED_BY = "spothive.io/cordoned-by-action"
CORDONED_AT = "spothive.io/cordoned-at"
DRAIN_STARTED = "spothive.io/drain-started-at"


def _has_taint(node: Obj) -> bool:
    return any(t.get("key") == TAINT["key"] for t in (node.get("spec") or {}).get("taints") or [])


def cordon(port: KubePort, out: Outcome, name: str, action_id: str) -> None:
    """Taint ``spothive.io/disrupted:NoSchedule`` and cordon; a node someone else cordoned stays theirs to undo."""
    for _attempt in range(3):
        node = port.get_node(name)
        spec, annotations = node.get("spec") or {}, (node.get("metadata") or {}).get("annotations") or {}
        already_ours = bool(annotations.get(CORDONED_BY))
        if _has_taint(node) and spec.get("unschedulable"):
            out.details["already_cordoned"] = True
            if not out.dry_run:
                out.done.append(f"node {name} was already tainted and cordoned")
            return
        patch: Obj = {"metadata": {"resourceVersion": node["metadata"].get("resourceVersion")}, "spec": {}}
        if not _has_taint(node):
            patch["spec"]["taints"] = [*(spec.get("taints") or []), dict(TAINT)]
        if not spec.get("unschedulable"):
            patch["spec"]["unschedulable"] = True
            patch["metadata"]["annotations"] = {CORDONED_BY: action_id, CORDONED_AT: rfc3339(out.clock.now())}
        elif not already_ours:
            out.details["cordoned_by_someone_else"] = True
        try:
            out.change(f"tainted {TAINT['key']}:NoSchedule and cordoned node {name}",
                       lambda p=patch: port.patch_node(name, p), patch)
            return
        except Conflict:
            continue
    raise Conflict(409, f"node {name} kept changing while cordoning it", "Conflict")


def mark_drain_started(port: KubePort, out: Outcome, name: str) -> None:
    """Note on the node that a drain began (a cordon with a drain under way is no longer 'untouched')."""
    patch = {"metadata": {"annotations": {DRAIN_STARTED: rfc3339(out.clock.now())}}}
    out.change(f"marked drain started on node {name}", lambda: port.patch_node(name, patch), patch)


def uncordon(port: KubePort, out: Outcome, name: str, force: bool = False) -> None:
    """Remove SpotHive's taint and, when SpotHive cordoned the node (or ``force``), the cordon."""
    for _attempt in range(3):
        node = port.get_node(name)
        spec, annotations = node.get("spec") or {}, (node.get("metadata") or {}).get("annotations") or {}
        ours = bool(annotations.get(CORDONED_BY))
        patch: Obj = {"metadata": {"resourceVersion": node["metadata"].get("resourceVersion"),
                                   "annotations": {CORDONED_BY: None, CORDONED_AT: None, DRAIN_STARTED: None}},
                      "spec": {}}
        if _has_taint(node):
            patch["spec"]["taints"] = [t for t in spec.get("taints") or [] if t.get("key") != TAINT["key"]]
        if spec.get("unschedulable") and (ours or force):
            patch["spec"]["unschedulable"] = None
        elif spec.get("unschedulable"):
            out.refuse(f"node/{name}", "cordoned by someone other than SpotHive: left cordoned (use force)")
        if not patch["spec"] and not any(k in annotations for k in (CORDONED_BY, CORDONED_AT, DRAIN_STARTED)):
            if not out.refused:
                out.details["already_uncordoned"] = True
            return
        try:
            out.change(f"removed {TAINT['key']} and uncordoned node {name}" if "unschedulable" in patch["spec"]
                       else f"removed {TAINT['key']} from node {name}", lambda p=patch: port.patch_node(name, p), patch)
            return
        except Conflict:
            continue
    raise Conflict(409, f"node {name} kept changing while uncordoning it", "Conflict")
