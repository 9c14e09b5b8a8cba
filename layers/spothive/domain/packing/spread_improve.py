"""Local improvement after the spread repair, within every spread limit: empty nodes, then right-size them.

The repair opens a node for each pod it cannot fit elsewhere; many end up nearly empty. Here the least
utilised nodes (new ones, and removable existing ones within PDB budgets) are emptied into others' free room
when every pod's groups stay within their node, pool and zone limits there; then every new node takes the
cheapest offer of its zone that holds its pods and keeps each group within its Spot pool limit. Both passes
stop at ``deadline`` (the layout is valid after every step).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from spothive.domain.packing.merge import merge_pairs
from spothive.domain.packing.offers import offer_accepts
from spothive.domain.packing.problem import Bin
from spothive.domain.packing.spread_groups import Group, pool_limit
from spothive.domain.packing.workload_spread import Spreader, settle


def _utilisation(sp: Spreader, b: Bin) -> float:
    used = sp.index.bound.worth(b.cap[0] - b.free_c, b.cap[1] - b.free_m, b.cap[2] - b.free_g)
    return used / b.price if b.price > 0 else float("inf")


def _empty(sp: Spreader, victim: Bin, targets: list[Bin]) -> bool:
    """Move every pod of ``victim`` to the tightest target with room under its limits; undo if stuck."""
    pr = sp.pr
    moved: list[int] = []
    for pod in sorted(victim.pods, key=lambda p: (-pr.pod_c[p], -pr.pod_m[p], p)):
        if not pr.movable[pod]:
            break
        c, m, g = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
        best: Bin | None = None
        for b in targets:
            if b is victim or not b.active or not b.fits(c, m, g):
                continue
            if best is not None and (b.free_c, b.free_m) >= (best.free_c, best.free_m):
                continue
            if sp._allowed(pod, b) and sp._pdb_ok(pod, b):
                best = b
        if best is None:
            break
        sp._relink(pod, best)
        moved.append(pod)
    return settle(sp, victim, moved)



def compact(sp: Spreader, deadline: float, clock: Callable[[], float]) -> int:
    """Empty the least utilised non-pinned nodes into the others; return how many went."""
    lay, pr = sp.layout, sp.pr
    min_c = min((pr.pod_c[p] for p in range(len(pr.pod_c))), default=0)
    min_m = min((pr.pod_m[p] for p in range(len(pr.pod_m))), default=0)
    victims = sorted(
        (b for b in lay.bins if b.active and not b.pinned and b.pods), key=lambda b: (_utilisation(sp, b), b.idx)
    )
    removed = 0
    targets: list[Bin] = []
    for n, victim in enumerate(victims):
        if clock() > deadline:
            break
        if not victim.active:
            continue
        if n % 16 == 0:
            targets = [b for b in lay.bins if b.active and b.free_n >= 1 and b.free_c >= min_c and b.free_m >= min_m]
        if _empty(sp, victim, targets):
            removed += 1
    return removed


def resize(sp: Spreader, deadline: float, clock: Callable[[], float]) -> float:
    """Give every new node the cheapest offer of its zone that holds its pods within their pool limits."""
    lay, pr = sp.layout, sp.pr
    saved = 0.0
    for b in lay.bins:
        if clock() > deadline:
            break
        if not b.active or b.offer is None or not b.pods:
            continue
        need = (b.cap[0] - b.free_c, b.cap[1] - b.free_m, b.cap[2] - b.free_g, b.cap[3] - b.free_n)
        classes = {pr.pod_class[p] for p in b.pods}
        members: Counter[int] = Counter()
        groups: dict[int, Group] = {}
        for p in b.pods:
            for g in sp.of_pod[p]:
                members[id(g)] += 1
                groups[id(g)] = g
        here = b.offer
        old_pool = (here.itype.name, here.zone) if here.capacity_type == "spot" else None
        for o in sp.index.by_price:
            if o.price >= b.price - 1e-12:
                break
            if o.zone != here.zone or any(o.cap[r] < need[r] for r in range(4)):
                continue
            if not all(offer_accepts(o, k) for k in classes):
                continue
            pool = (o.itype.name, o.zone) if o.capacity_type == "spot" else None
            if pool is not None and pool != old_pool and any(
                g.per_pool[pool] + members[k] > pool_limit(g, pool) for k, g in groups.items()
            ):
                continue
            for k, g in groups.items():
                if old_pool is not None:
                    g.per_pool[old_pool] -= members[k]
                if pool is not None:
                    g.per_pool[pool] += members[k]
            saved += b.price - o.price
            b.offer, b.price, b.labels, b.cap = o, o.price, o.labels, o.cap
            b.free_c, b.free_m, b.free_g, b.free_n = (o.cap[r] - need[r] for r in range(4))
            break
    return saved


def consolidate(sp: Spreader, deadline: float, clock: Callable[[], float], rounds: int = 4) -> float:
    """Alternate emptying and right-sizing while either lowers the cost; return the hourly saving.

    Every step only removes a node or gives it a cheaper offer, so the cost never rises; a right-sized
    node has less free room and a lower price, which changes which nodes are worth emptying next.
    """
    before = sp.layout.cost()
    for _ in range(rounds):
        cost = sp.layout.cost()
        compact(sp, deadline, clock)
        resize(sp, deadline, clock)
        merge_pairs(sp, deadline, clock)
        if sp.layout.cost() >= cost - 1e-9 or clock() > deadline:
            break
    return before - sp.layout.cost()
