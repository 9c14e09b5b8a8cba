"""A packing plan back from its JSON interchange form (what detect stored on the job)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spothive.domain.packing.model import Decision, Plan, PlanNode


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The :class:`Plan` of ``Plan.to_dict()`` output."""
    return Plan(
        cost_before_per_hour=float(data["cost_before_per_hour"]),
        cost_after_per_hour=float(data["cost_after_per_hour"]),
        nodes=tuple(
            PlanNode(n["name"], n["instance_type"], n["capacity_type"], n["zone"], bool(n["new"]),
                     float(n.get("price_per_hour", 0.0)))
            for n in data.get("nodes", ())
        ),
        placements=dict(data.get("placements", {})),
        unplaced=tuple(data.get("unplaced", ())),
        actions=tuple(dict(a) for a in data.get("actions", ())),
        decisions=tuple(Decision(d["action"], d["reason"], dict(d.get("evidence", {})))
                        for d in data.get("decisions", ())),
        lower_bound_per_hour=float(data.get("lower_bound_per_hour", 0.0)),
        method=str(data.get("method", "heuristic")),
        solve_seconds=float(data.get("solve_seconds", 0.0)),
    )


def empty_plan() -> Plan:
    """A plan that changes nothing (the Spot-only path has no packing plan)."""
    return Plan(0.0, 0.0, (), {}, (), (), (), 0.0)
