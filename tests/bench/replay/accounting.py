"""What a policy's week cost and disturbed: node lifetimes priced by the hour, pending-pod minutes by cause,
evictions, forced deletions and PodDisruptionBudget violations.

The ledger only records facts (a node launched at t, a pod created at t for a reason, bound at t …) and
``summary`` derives every figure from them, so a hand-built journal can check the arithmetic exactly.
Causes of a pod's creation: ``load`` (a new replica as load grows), ``optimizer`` (the replacement of a pod
the optimizer evicted or deleted), ``interruption`` (the replacement of a pod whose Spot node was reclaimed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CAUSES = ("load", "optimizer", "interruption")


@dataclass(slots=True)
class NodeLife:
    """One node from launch to removal (``removed_at`` None while it runs)."""

    name: str
    instance_type: str
    capacity_type: str
    zone: str
    price_per_hour: float
    launched_at: datetime
    launched_by: str
    removed_at: datetime | None = None
    removed_by: str | None = None


@dataclass(slots=True)
class PodLife:
    """One pod incarnation from creation to its end; pending until ``bound_at``."""

    key: str
    created_at: datetime
    cause: str
    bound_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """A policy's figures over the replayed span."""

    dollars: float
    pending_minutes: dict[str, float]
    evictions: int
    forced_deletions: int
    pdb_violations: int
    nodes_launched: int
    nodes_removed: dict[str, int]
    hours: float

    @property
    def churn(self) -> int:
        """Nodes launched plus nodes removed on purpose (interruptions aside)."""
        return self.nodes_launched + self.nodes_removed.get("optimizer", 0)


@dataclass
class Ledger:
    """The journal a replay writes while it runs."""

    start: datetime
    nodes: dict[str, NodeLife] = field(default_factory=dict)
    pods: list[PodLife] = field(default_factory=list)
    evictions: int = 0
    forced_deletions: int = 0
    pdb_violations: int = 0
    _open: dict[str, int] = field(default_factory=dict)

    def node_launched(self, name: str, instance_type: str, capacity_type: str, zone: str, price: float,
                      at: datetime, by: str) -> None:
        """A node starts costing money (boot time included, as EC2 bills it)."""
        if name in self.nodes:
            raise ValueError(f"node {name} launched twice")
        self.nodes[name] = NodeLife(name, instance_type, capacity_type, zone, price, at, by)

    def node_removed(self, name: str, at: datetime, cause: str) -> None:
        """A node stops costing money; ``cause`` is ``optimizer`` or ``interruption``."""
        life = self.nodes[name]
        if life.removed_at is None:
            life.removed_at, life.removed_by = at, cause

    def pod_created(self, key: str, at: datetime, cause: str, bound: bool = False) -> None:
        """A pod incarnation appears (Pending unless ``bound``); a live one of the same key ends first."""
        if cause not in CAUSES:
            raise ValueError(f"unknown cause {cause!r}")
        if key in self._open:
            self.pod_ended(key, at)
        self._open[key] = len(self.pods)
        self.pods.append(PodLife(key, at, cause, at if bound else None))

    def pod_bound(self, key: str, at: datetime) -> None:
        """The scheduler bound the pod: its pending time ends."""
        index = self._open.get(key)
        if index is not None and self.pods[index].bound_at is None:
            self.pods[index].bound_at = at

    def pod_ended(self, key: str, at: datetime) -> None:
        """The pod was deleted, evicted or lost with its node."""
        index = self._open.pop(key, None)
        if index is not None:
            self.pods[index].ended_at = at

    def evicted(self) -> None:
        """One eviction the Eviction API accepted."""
        self.evictions += 1

    def forced(self, violated_pdb: bool) -> None:
        """One pod deleted by the optimizer without the Eviction API; ``violated_pdb`` when its budget was spent."""
        self.forced_deletions += 1
        if violated_pdb:
            self.pdb_violations += 1

    def summary(self, end: datetime) -> Summary:
        """Every figure up to ``end`` (running nodes and pending pods are counted until then)."""
        dollars = 0.0
        launched = 0
        removed = {"optimizer": 0, "interruption": 0}
        for life in self.nodes.values():
            stop = min(life.removed_at or end, end)
            dollars += life.price_per_hour * max(0.0, (stop - life.launched_at).total_seconds()) / 3600
            if life.launched_by != "seed":
                launched += 1
            if life.removed_by is not None and life.removed_at is not None and life.removed_at <= end:
                removed[life.removed_by] = removed.get(life.removed_by, 0) + 1
        pending = dict.fromkeys(CAUSES, 0.0)
        for pod in self.pods:
            stop = min(x for x in (pod.bound_at, pod.ended_at, end) if x is not None)
            pending[pod.cause] += max(0.0, (stop - pod.created_at).total_seconds()) / 60
        return Summary(round(dollars, 6), {k: round(v, 6) for k, v in pending.items()}, self.evictions,
                       self.forced_deletions, self.pdb_violations, launched, removed,
                       (end - self.start).total_seconds() / 3600)
