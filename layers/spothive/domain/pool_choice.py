"""Why each new node's pool was chosen, in the words the hive mind's ranking would use.

The planner offers only the Spot pools the ranking keeps (hive-mind DANGER flags and pools held by the
hysteresis rule out, WARN pools floored at CAUTION, pools over the risk limit out) and spreads new Spot
nodes over pools (``max_pool_share``); among those it takes the cheapest that fits. This module rewrites
every ``add_node`` decision so it names the pool chosen and the flagged or held pools it was rerouted
from: ``c5.xlarge Spot in us-east-1b: us-east-1a flagged by 3 interruption reports in the last 30 min``.
The reroute order is the ranking's fallback order: the same type in another zone, then another family,
then On-Demand. Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from spothive.domain.packing.model import Decision, Plan, PlanNode
from spothive.domain.pricing import pool_key
from spothive.domain.risk_signals import FlagLevel, PoolFlag


@dataclass(frozen=True, slots=True)
class PoolView:
    """What the pool choice saw: probabilities by ``zone:type``, live flags, held pools, the flag window."""

    probabilities: Mapping[str, float] = field(default_factory=dict)
    flags: Mapping[str, PoolFlag] = field(default_factory=dict)
    held: Mapping[str, str] = field(default_factory=dict)  # "zone:type" → the hysteresis reason
    window_minutes: int = 30
    now: datetime | None = None

    def danger(self) -> list[PoolFlag]:
        """DANGER flags, by pool."""
        return sorted((f for f in self.flags.values() if f.level is FlagLevel.DANGER), key=lambda f: f.key)


def family(instance_type: str) -> str:
    """``c5`` of ``c5.xlarge``."""
    return instance_type.split(".", 1)[0]


def flag_phrase(flag: PoolFlag, view: PoolView, same_type: bool = True) -> str:
    """``us-east-1a flagged by 3 interruption reports in the last 30 min (last at 10:16 UTC)``.

    The last report is named by its clock time, not "N min ago": the same inputs must give the same reason,
    so a projection read twice, or beside its preview, says the same thing.
    """
    where = flag.zone if same_type else f"{flag.instance_type} in {flag.zone}"
    text = f"{where} flagged by {flag.count} interruption report{'s' if flag.count != 1 else ''} in the last " \
           f"{view.window_minutes} min"
    if flag.last_seen:
        try:
            seen = datetime.fromisoformat(flag.last_seen)
        except (TypeError, ValueError):
            return text
        if seen.tzinfo is not None:
            text += f" (last at {seen.astimezone(UTC):%H:%M} UTC)"
    return text


def choice_reason(node: PlanNode, view: PoolView, left: str | None = None) -> str:
    """Which pool a new node uses and why; ``left`` is the ``zone:type`` pool its pods come from, if any."""
    head = f"{node.instance_type} {'Spot' if node.capacity_type == 'spot' else 'On-Demand'} in {node.zone}"
    danger = view.danger()
    same_type = [f for f in danger if f.instance_type == node.instance_type and f.zone != node.zone]
    same_family = [f for f in danger if f.instance_type != node.instance_type
                   and family(f.instance_type) == family(node.instance_type)]
    held = sorted(p for p in view.held if p.split(":", 1)[-1] == node.instance_type)
    why: list[str] = []
    left_flag = next((f for f in danger if pool_key(f.zone, f.instance_type) == left), None)
    if left_flag is not None and left_flag.instance_type != node.instance_type:
        if node.capacity_type != "spot":
            kind = "On-Demand fallback"
        else:
            kind = "another family" if family(left_flag.instance_type) != family(node.instance_type) else "another size"
        why.append(f"{kind}: {flag_phrase(left_flag, view, same_type=False)}")
    why += [flag_phrase(f, view) for f in same_type]
    why += [flag_phrase(f, view, same_type=False) for f in same_family if f is not left_flag][:2]
    why += [f"{p.split(':', 1)[0]} {view.held[p]}" for p in held][:2]
    if not why:
        if node.capacity_type == "spot":
            prob = view.probabilities.get(pool_key(node.zone, node.instance_type))
            risk = f", {prob:.1%}/month interruption risk" if prob is not None else ""
            why.append(f"cheapest allowed pool at ${node.price_per_hour:.4f}/h{risk}")
        else:
            why.append(f"On-Demand at ${node.price_per_hour:.4f}/h: no allowed Spot pool fits or is cheaper")
    return f"{head}: {'; '.join(why)}"


def explain_choices(plan: Plan, view: PoolView) -> Plan:
    """``plan`` with each ``add_node`` decision's reason naming its pool and why (evidence keeps the numbers)."""
    new = {n.name: n for n in plan.nodes if n.new}
    left_by_dest: dict[str, str] = {}
    for a in plan.actions:
        risk = a.get("risk")
        if a.get("type") == "drain_node" and isinstance(risk, Mapping):
            for pod in a.get("pods", ()):
                dest = plan.placements.get(str(pod))
                if dest in new:
                    left_by_dest.setdefault(dest, str(risk.get("pool")))
    decisions: list[Decision] = []
    for d in plan.decisions:
        name = str(d.reason.split(":", 1)[0])
        node = new.get(name)
        if d.action != "add_node" or node is None:
            decisions.append(d)
            continue
        reason = choice_reason(node, view, left_by_dest.get(name))
        evidence = dict(d.evidence) | {"pool": pool_key(node.zone, node.instance_type)}
        if name in left_by_dest:
            evidence["replaces_pool"] = left_by_dest[name]
        decisions.append(Decision(d.action, f"{name}: {reason}; {d.reason.split(': ', 1)[-1]}", evidence))
    return replace(plan, decisions=tuple(decisions))
