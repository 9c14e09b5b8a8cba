"""Spot signals the agent can see: Node Termination Handler taints and events, and rebalance conditions."""

from __future__ import annotations

import hashlib
from typing import Any

Obj = dict[str, Any]
NTH = "aws-node-termination-handler"
TAINT_KINDS = {
    f"{NTH}/spot-itn": "spot_interruption",
    f"{NTH}/rebalance-recommendation": "rebalance_recommendation",
    f"{NTH}/scheduled-maintenance": "scheduled_maintenance",
    f"{NTH}/asg-lifecycle-termination": "asg_termination",
}
EVENT_KINDS = {"SpotInterruption": "spot_interruption", "RebalanceRecommendation": "rebalance_recommendation",
               "ScheduledEvent": "scheduled_maintenance", "ASGLifecycle": "asg_termination"}
CONDITION_KINDS = {"SpotInterruption": "spot_interruption", "RebalanceRecommendation": "rebalance_recommendation",
                   "TerminationNotice": "spot_interruption"}


def _signal(kind: str, node: Obj | None, node_name: str, source: str, detail: str, observed_at: str) -> Obj:
    ident = hashlib.sha256(f"{node_name}|{kind}|{(node or {}).get('created_at', '')}".encode()).hexdigest()[:24]
    return {"id": ident, "kind": kind, "node": node_name,
            "instance_type": (node or {}).get("instance_type"), "zone": (node or {}).get("zone"),
            "capacity_type": (node or {}).get("capacity_type"), "source": source, "detail": detail,
            "observed_at": observed_at}


def node_signals(node: Obj, observed_at: str) -> list[Obj]:
    """Signals carried by a node record: NTH taints and True rebalance/termination conditions."""
    found = [_signal(TAINT_KINDS[t["key"]], node, node["name"], "taint", t["key"], observed_at)
             for t in node.get("taints") or [] if t.get("key") in TAINT_KINDS]
    found += [_signal(CONDITION_KINDS[c], node, node["name"], "condition", c, observed_at)
              for c, status in (node.get("conditions") or {}).items() if c in CONDITION_KINDS and status == "True"]
    return found


def event_signal(event: Obj, nodes: dict[str, Obj], observed_at: str) -> Obj | None:
    """A signal from a core/v1 Event the Node Termination Handler recorded about a node, or None."""
    involved = event.get("involvedObject") or {}
    reporter = event.get("reportingComponent") or (event.get("source") or {}).get("component") or ""
    kind = EVENT_KINDS.get(event.get("reason") or "")
    if involved.get("kind") != "Node" or kind is None or NTH not in reporter:
        return None
    name = involved.get("name", "")
    return _signal(kind, nodes.get(name), name, "event", event.get("message") or event.get("reason", ""), observed_at)
