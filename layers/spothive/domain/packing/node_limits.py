"""Per-node spread limits applied while packing: a node takes a pod only while each group has room there.

The groups are those of ``spread_groups.build_groups`` that cap members per node: the default replica share
(at most ``max(1, floor(share x n))`` of a workload's replicas on one node) and ``kubernetes.io/hostname``
spread (at most ``max_skew``). An existing node may keep as many members as it runs today. Packing that
respects these limits needs no repair for them afterwards (pool limits and zone balance are still repaired
in ``workload_spread``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from spothive.domain.packing.problem import Bin, Problem
from spothive.domain.packing.spread_groups import INF, build_groups


@dataclass(slots=True)
class NodeLimits:
    """Members of each capped group per bin, and the caps."""

    groups_of: list[tuple[int, ...]]  # pod -> capped groups it belongs to
    cap: list[int]  # group -> members allowed on one new node
    today: dict[tuple[int, int], int]  # (existing node, group) -> members there today
    count: dict[tuple[int, int], int] = field(default_factory=dict)  # (bin index, group) -> members placed

    def allows(self, pod: int, b: Bin) -> bool:
        """True when every capped group of ``pod`` has room for one more member on ``b``."""
        for g in self.groups_of[pod]:
            limit = self.cap[g] if b.existing < 0 else max(self.cap[g], self.today.get((b.existing, g), 0))
            if self.count.get((b.idx, g), 0) >= limit:
                return False
        return True

    def add(self, pod: int, idx: int) -> None:
        """Count ``pod`` on bin ``idx``."""
        for g in self.groups_of[pod]:
            self.count[(idx, g)] = self.count.get((idx, g), 0) + 1

    def remove(self, pod: int, idx: int) -> None:
        """Stop counting ``pod`` on bin ``idx``."""
        for g in self.groups_of[pod]:
            self.count[(idx, g)] -= 1

    def copy(self) -> NodeLimits:
        """An independent copy of the counters (the caps are shared)."""
        return NodeLimits(self.groups_of, self.cap, self.today, dict(self.count))


_LAST: list[tuple[Problem, NodeLimits | None]] = []


def node_limits(problem: Problem) -> NodeLimits | None:
    """The per-node limits of the problem's spread groups (fresh counters), or None when no group caps a node.

    The caps of the last problem asked about are remembered: every strategy starts from the same ones."""
    if _LAST and _LAST[0][0] is problem:
        found = _LAST[0][1]
        return None if found is None else replace(found, count={})
    limits = _node_limits(problem)
    _LAST[:] = [(problem, limits)]
    return None if limits is None else replace(limits, count={})


def forget_node_limits() -> None:
    """Drop the remembered caps (the planner calls it when a plan is done)."""
    _LAST.clear()


def _node_limits(problem: Problem) -> NodeLimits | None:
    groups = [g for g in build_groups(problem) if g.node_cap < INF]
    if not groups:
        return None
    member: list[list[int]] = [[] for _ in problem.pod_c]
    today: dict[tuple[int, int], int] = {}
    for k, g in enumerate(groups):
        for p in g.pods:
            member[p].append(k)
            orig = problem.pod_orig[p]
            if orig >= 0:
                today[(orig, k)] = today.get((orig, k), 0) + 1
    return NodeLimits([tuple(m) for m in member], [g.node_cap for g in groups], today)
