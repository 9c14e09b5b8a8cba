"""Carrying out an approved plan safely: moves in waves under a disruption budget, launch fallbacks,
the snapshot fingerprint a preview is bound to, and what an executed move saved.

Every removal of capacity waits for its replacement: a wave launches its new nodes first, the hub waits
for the agent to report them Ready, and only then drains and terminates the wave's old nodes. All
planned new nodes come up in the first wave (pre-spin), so later waves retire nodes onto capacity that
is already Ready; a Spot replacement brings up its own new node in the wave that retires the old one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

HOURS_PER_MONTH = 730.0
#: Instance ids are tagged with the launch slot they fill so a retried launch finds them (idempotency).
LAUNCH_TAG = "spothive:launch-slot"


@dataclass(frozen=True, slots=True)
class DisruptionBudget:
    """How many nodes may be disrupted at once: at most ``max_nodes`` and at most ``max_percent`` of the
    cluster's nodes (never fewer than one, or nothing could ever move)."""

    max_nodes: int = 3
    max_percent: int = 20

    def per_wave(self, cluster_nodes: int) -> int:
        """Nodes one wave may retire in a cluster of ``cluster_nodes`` nodes."""
        by_share = math.floor(cluster_nodes * self.max_percent / 100)
        return max(1, min(self.max_nodes, by_share if by_share > 0 else 1))

    def to_dict(self) -> dict[str, int]:
        """The JSON form (policy documents, job data)."""
        return {"max_nodes": self.max_nodes, "max_percent": self.max_percent}


@dataclass(frozen=True, slots=True)
class Launch:
    """One new node to bring up: ``slot`` names it for idempotency (``{job}.{wave}.{n}``)."""

    slot: str
    instance_type: str
    capacity_type: str
    zone: str
    price_per_hour: float
    planned_name: str = ""


@dataclass(frozen=True, slots=True)
class Retirement:
    """One node to drain and terminate after its wave's replacements are Ready."""

    node: str
    instance_id: str
    instance_type: str
    capacity_type: str
    zone: str
    price_per_hour: float


@dataclass(frozen=True, slots=True)
class Wave:
    """Launch these, wait for them Ready, then drain and terminate those."""

    index: int
    launches: tuple[Launch, ...] = ()
    retire: tuple[Retirement, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on the job."""
        return {"index": self.index, "launches": [asdict(x) for x in self.launches],
                "retire": [asdict(x) for x in self.retire], "reasons": list(self.reasons)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Wave:
        """The wave stored by :meth:`to_dict`."""
        return cls(int(raw["index"]), tuple(Launch(**x) for x in raw.get("launches", ())),
                   tuple(Retirement(**x) for x in raw.get("retire", ())), tuple(raw.get("reasons", ())))


@dataclass(frozen=True, slots=True)
class LaunchAttempt:
    """One EC2 Fleet request of a fallback ladder: these types in these zones, Spot or On-Demand."""

    instance_types: tuple[str, ...]
    zones: tuple[str, ...]
    capacity_type: str
    why: str


@dataclass(frozen=True, slots=True)
class SkippedAction:
    """An approved plan action the executor does not carry out, and why."""

    type: str
    target: str
    reason: str


@dataclass(frozen=True, slots=True)
class WavePlan:
    """The waves of one job and what it leaves to others."""

    waves: tuple[Wave, ...]
    skipped: tuple[SkippedAction, ...] = ()
    per_wave: int = 1
    saving_per_hour: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)


def node_instances(snapshot: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Node name → its snapshot entry plus ``instance_id`` (the ``spothive.io/instance-id`` label first:
    the simulator's provider ids are made up; then ``provider_id`` ``aws:///zone/i-…``)."""
    out: dict[str, Mapping[str, Any]] = {}
    for node in (snapshot or {}).get("nodes") or []:
        labels = node.get("labels") or {}
        instance = str(labels.get("spothive.io/instance-id") or "")
        provider = str(node.get("provider_id") or "")
        if not instance and provider.startswith("aws://"):
            instance = provider.rsplit("/", 1)[-1]
        if not instance and provider.startswith("i-"):
            instance = provider
        out[str(node.get("name"))] = {**node, "instance_id": instance}
    return out


def plan_waves(job_id: str, approved: Sequence[Mapping[str, Any]], snapshot: Mapping[str, Any] | None,
               budget: DisruptionBudget, *, first_index: int = 0) -> WavePlan:
    """Group a job's approved actions into waves of at most ``budget.per_wave`` retirements, numbered from
    ``first_index`` (a re-plan continues after the job's earlier waves, so ids and slots never repeat).

    ``add_node`` → a launch in the first wave; ``remove_node`` (with its ``drain_node``) → a retirement;
    ``replace_with_spot`` → a Spot launch and a retirement in the same wave; ``move_pods`` needs no step
    of its own (the drains move the pods). A node the snapshot cannot tie to an instance is skipped."""
    nodes = node_instances(snapshot)
    by_instance = {str(n["instance_id"]): name for name, n in nodes.items() if n.get("instance_id")}
    per_wave = budget.per_wave(len(nodes) or 1)
    adds: list[tuple[dict[str, Any], str]] = []
    retire: list[tuple[Retirement, Launch | None, str, float]] = []
    skipped: list[SkippedAction] = []
    seen: set[str] = set()
    for action in approved:
        kind, target = str(action.get("type")), str(action.get("target") or "")
        details = dict(action.get("details") or {})
        evidence = dict(action.get("evidence") or {})
        reason = str(action.get("reason") or f"{kind} {target}")
        if kind == "add_node":
            adds.append((details | {"node": target}, reason))
            continue
        if kind in ("drain_node", "move_pods", "resize"):
            if kind == "resize":
                skipped.append(SkippedAction(kind, target, "right-sizing is applied by the workload owner"))
            continue
        if kind not in ("remove_node", "replace_with_spot"):
            skipped.append(SkippedAction(kind, target, f"{kind} is not an executor action"))
            continue
        name = by_instance.get(target, target)
        node = nodes.get(name)
        if node is None or not node.get("instance_id"):
            skipped.append(SkippedAction(kind, target, f"{target} is not in the latest snapshot with an instance id"))
            continue
        if name in seen:
            continue
        seen.add(name)
        old_price = float(details.get("price_per_hour") or evidence.get("price_per_hour") or 0.0)
        launch, saves = None, old_price
        if kind == "replace_with_spot":
            saves = float(evidence.get("saving_per_hour") or 0.0)
            launch = Launch("", str(evidence.get("instance_type") or node.get("instance_type")), "spot",
                            str(evidence.get("zone") or node.get("zone")), round(max(0.0, old_price - saves), 6))
        retire.append((Retirement(name, str(node["instance_id"]), str(node.get("instance_type")),
                                  str(node.get("capacity_type") or "on-demand"), str(node.get("zone")),
                                  round(old_price, 6)), launch, reason, saves))
    waves: list[Wave] = []
    chunks = [retire[i:i + per_wave] for i in range(0, len(retire), per_wave)] or ([[]] if adds else [])
    saving = 0.0
    for number, chunk in enumerate(chunks):
        index = first_index + number
        launches: list[Launch] = []
        reasons: list[str] = []
        if number == 0:
            for n, (d, why) in enumerate(adds):
                price = float(d.get("price_per_hour") or 0.0)
                launches.append(Launch(f"{job_id}.{index}.{n}", str(d["instance_type"]),
                                       str(d.get("capacity_type") or "spot"), str(d["zone"]), price, str(d["node"])))
                reasons.append(why)
                saving -= price
        for r, launch, why, saves in chunk:
            reasons.append(why)
            saving += saves
            if launch is not None:
                slot = f"{job_id}.{index}.{len(launches)}"
                launches.append(Launch(slot, launch.instance_type, launch.capacity_type, launch.zone,
                                       launch.price_per_hour, r.node))
        waves.append(Wave(index, tuple(launches), tuple(r for r, _, _, _ in chunk), tuple(reasons)))
    return WavePlan(tuple(waves), tuple(skipped), per_wave, round(saving, 6))


def launch_ladder(launch: Launch, zones: Sequence[str], alternatives: Sequence[str], *,
                  on_demand_fallback: bool) -> list[LaunchAttempt]:
    """The EC2 Fleet requests to try in order: the planned pool, the same type in the other zones,
    sibling types (same size, other families) in every zone, then On-Demand when the policy allows it."""
    others = tuple(z for z in zones if z != launch.zone)
    every = (launch.zone, *others)
    ladder = [LaunchAttempt((launch.instance_type,), (launch.zone,), launch.capacity_type,
                            f"planned {launch.capacity_type} {launch.instance_type} in {launch.zone}")]
    if others:
        ladder.append(LaunchAttempt((launch.instance_type,), others, launch.capacity_type,
                                    f"{launch.instance_type} in another zone ({', '.join(others)})"))
    siblings = tuple(t for t in alternatives if t != launch.instance_type)
    if siblings:
        ladder.append(LaunchAttempt(siblings, every, launch.capacity_type,
                                    f"another family of the same size ({', '.join(siblings)})"))
    if launch.capacity_type == "spot" and on_demand_fallback:
        ladder.append(LaunchAttempt((launch.instance_type,), every, "on-demand",
                                    "On-Demand fallback: no Spot capacity in any allowed pool"))
    return ladder


def same_size_siblings(instance_type: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """Other families' types of the same size (``c5.xlarge`` → ``c6i.xlarge``, ``m5.xlarge`` …), a
    diversified Spot request; only types in ``known`` (the catalog), same-letter families first."""
    family, _, size = instance_type.partition(".")
    if not size:
        return []
    same = [t for t in sorted(known) if t.endswith(f".{size}") and t != instance_type
            and not t.split(".")[0].endswith("g") and "gd" not in t.split(".")[0]]
    same.sort(key=lambda t: (t[0] != family[0], t))
    return same[:limit]


def snapshot_fingerprint(snapshot: Mapping[str, Any] | None) -> str:
    """SHA-256 of what a plan depends on: the nodes (name, type, capacity, zone) and where each pod runs.
    A preview is bound to it: approving after it changed would act on a cluster nobody looked at."""
    snapshot = snapshot or {}
    nodes = sorted((str(n.get("name")), str(n.get("instance_type")), str(n.get("capacity_type")), str(n.get("zone")))
                   for n in snapshot.get("nodes") or [])
    pods = sorted((f"{p.get('namespace')}/{p.get('name')}", str(p.get("node")), int(p.get("cpu_m") or 0),
                   int(p.get("memory_mib") or 0)) for p in snapshot.get("pods") or [])
    body = json.dumps({"nodes": nodes, "pods": pods}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def stale_reason(wave: Wave, snapshot: Mapping[str, Any] | None) -> str | None:
    """Why ``wave`` no longer fits the cluster (a node to retire is gone or changed), or ``None``."""
    nodes = node_instances(snapshot)
    for r in wave.retire:
        node = nodes.get(r.node)
        if node is None:
            return f"{r.node} is no longer in the cluster"
        if node.get("instance_id") != r.instance_id or node.get("instance_type") != r.instance_type:
            return f"{r.node} changed since the plan ({node.get('instance_type')}, {node.get('instance_id')})"
    return None


def monthly(per_hour: float) -> float:
    """Dollars a month at this hourly rate (730 hours)."""
    return round(per_hour * HOURS_PER_MONTH, 2)


def activity_line(retired: Retirement, launched: Mapping[str, Any] | None, saving_per_hour: float) -> str:
    """``Replaced ip-10-0-1-5 (m5.xlarge On-Demand) with c5.xlarge Spot in us-east-1b — saves $71.54/month``."""
    def cap(c: str) -> str:
        return "Spot" if c == "spot" else "On-Demand"

    old = f"{retired.node} ({retired.instance_type} {cap(retired.capacity_type)})"
    saves = f"saves ${monthly(saving_per_hour):,.2f}/month"
    if launched:
        return (f"Replaced {old} with {launched.get('instance_type')} {cap(str(launched.get('capacity_type')))} "
                f"in {launched.get('zone')} — {saves}")
    return f"Removed {old}; its pods moved to cheaper capacity — {saves}"


def added_capacity(launched: Sequence[Mapping[str, Any]], retiring: Collection[str]) -> list[dict[str, Any]]:
    """The wave's launches that replace no retiring node: new capacity of the plan itself, which costs money
    (a negative saving, with its activity line)."""
    moves: list[dict[str, Any]] = []
    for x in launched:
        if x.get("for") not in retiring:
            cost = float(x["price_per_hour"])
            cap = "Spot" if x["capacity_type"] == "spot" else "On-Demand"
            moves.append({"node": x["node"], "instance_id": x["instance_id"], "state": "running",
                          "saving_per_hour": round(-cost, 6), "added": True,
                          "line": f"Added {x['node']} ({x['instance_type']} {cap}) in {x['zone']} — "
                                  f"costs ${monthly(cost):,.2f}/month"})
    return moves
