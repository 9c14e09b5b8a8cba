"""Zone spread applied while packing: each member of a zone-spread workload gets a zone before packing.

For a ``topology.kubernetes.io/zone`` spread group whose members all run today, per-zone targets are
water-filled over every zone the cluster or the offers span (never below the members that cannot change zone:
pinned or on a zonal volume), so the largest and smallest target differ by at most one. Members keep their
zone while it is under target (those on kept nodes first), the rest are sent to the zones under target. The
zone goes into the member's class key (as a zonal volume would), so every packer only offers it nodes of that
zone and the plan is balanced by construction; balanced over every zone, it is balanced over any subset of
them. Packing across zones and rebalancing afterwards opens a node per moved pod instead.
"""

from __future__ import annotations

from collections import Counter

from spothive.domain.packing.problem import Problem
from spothive.domain.packing.spread_groups import build_groups


def _targets(fixed: Counter[str], zones: list[str], n: int) -> dict[str, int]:
    target = {z: fixed[z] for z in zones}
    for _ in range(n - sum(target.values())):
        z = min(zones, key=lambda k: (target[k], k))
        target[z] += 1
    return target


def assign_spread_zones(problem: Problem, kept: set[int]) -> int:
    """Give every movable member of each zone-spread group a zone; return how many pods change zone."""
    zones = sorted({n.zone for n in problem.snapshot.nodes} | {o.zone for o in problem.offers})
    ids = {k: i for k, i in zip(problem.pod_class, problem.pod_class_id, strict=True)}
    nodes = problem.snapshot.nodes
    changed = 0
    for g in build_groups(problem):
        if not g.zone_skew or any(problem.pod_orig[p] < 0 for p in g.pods):
            continue
        free = [p for p in g.pods if problem.movable[p] and not problem.pod_class[p][4]]
        free_set = set(free)
        fixed = Counter(nodes[problem.pod_orig[p]].zone for p in g.pods if p not in free_set)
        target = _targets(fixed, zones, len(g.pods))
        left = {z: target[z] - fixed[z] for z in zones}
        assigned: dict[int, str] = {}
        surplus: list[int] = []
        for p in sorted(free, key=lambda p: (problem.pod_orig[p] not in kept, p)):
            z = nodes[problem.pod_orig[p]].zone
            if left.get(z, 0) > 0:
                assigned[p] = z
                left[z] -= 1
            else:
                surplus.append(p)
        for p in surplus:
            z = next((z for z in zones if left[z] > 0), "")
            if not z:
                break
            assigned[p] = z
            left[z] -= 1
            changed += 1
        for p, z in assigned.items():
            key = problem.pod_class[p]
            new = (*key[:4], (z,))
            problem.pod_class[p] = new
            problem.pod_class_id[p] = ids.setdefault(new, len(ids))
    return changed
