"""Merge pairs of new nodes into one cheaper node of their zone, within every spread limit.

After emptying and right-sizing, two half-filled new nodes of a zone often cost more than one node that
holds both. A pair is merged only when some offer of that zone accepts every pod of both, holds their
summed requests and costs strictly less than the two together, and every group of their pods stays within
its node and Spot pool limits there; so the cost only falls and the layout stays valid after every step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from spothive.domain.packing.offers import offer_accepts
from spothive.domain.packing.problem import Bin, Offer
from spothive.domain.packing.spread_groups import Group, node_limit, pool_limit
from spothive.domain.packing.workload_spread import Spreader, settle

_Row = tuple[float, int, int, int, int, Offer]  # an offer's price and capacity, unpacked for the scan


def _used(b: Bin) -> tuple[int, int, int, int]:
    return (b.cap[0] - b.free_c, b.cap[1] - b.free_m, b.cap[2] - b.free_g, b.cap[3] - b.free_n)


def _pool(o: Offer) -> tuple[str, str] | None:
    return (o.itype.name, o.zone) if o.capacity_type == "spot" else None


def _merge_offer(sp: Spreader, a: Bin, b: Bin, offers: list[_Row]) -> Offer | None:
    """The cheapest of ``offers`` (a's zone, cheapest first) holding both nodes' pods within every group's limits, or None."""
    assert a.offer is not None and b.offer is not None
    pr = sp.pr
    need = [x + y for x, y in zip(_used(a), _used(b), strict=True)]
    classes = {pr.pod_class[p] for p in a.pods} | {pr.pod_class[p] for p in b.pods}
    here: Counter[int] = Counter()
    groups: dict[int, Group] = {}
    for p in a.pods + b.pods:
        for g in sp.of_pod[p]:
            here[id(g)] += 1
            groups[id(g)] = g
    if any(here[k] > node_limit(g, a.idx) for k, g in groups.items()):
        return None
    pools = (_pool(a.offer), _pool(b.offer))
    budget = a.price + b.price - 1e-9
    nc, nm, ng, nn = need
    for price, c, m, g_, n, o in offers:
        if price >= budget:
            return None
        if c < nc or m < nm or g_ < ng or n < nn:
            continue
        if not all(offer_accepts(o, k) for k in classes):
            continue
        pool = _pool(o)
        if pool is not None and any(
            g.per_pool[pool] - sum(_members(sp, x, g) for x, q in zip((a, b), pools, strict=True) if q == pool)
            + here[k]
            > pool_limit(g, pool)
            for k, g in groups.items()
        ):
            continue
        return o
    return None


def _members(sp: Spreader, b: Bin, g: Group) -> int:
    return sum(1 for p in b.pods if any(h is g for h in sp.of_pod[p]))


def _repool(sp: Spreader, b: Bin, frm: tuple[str, str] | None, to: tuple[str, str] | None) -> None:
    """Count the pods of ``b`` in Spot pool ``to`` instead of ``frm`` (None: on-demand)."""
    for p in b.pods:
        for g in sp.of_pod[p]:
            if frm is not None:
                g.per_pool[frm] -= 1
            if to is not None:
                g.per_pool[to] += 1


def _apply(sp: Spreader, a: Bin, b: Bin, o: Offer) -> bool:
    """Give ``a`` offer ``o`` and move every pod of ``b`` onto it; undo and say False if a limit objects."""
    lay = sp.layout
    assert a.offer is not None
    old = (a.offer, a.price, a.labels, a.cap, a.free_c, a.free_m, a.free_g, a.free_n)
    old_pool, pool = _pool(a.offer), _pool(o)
    _repool(sp, a, old_pool, pool)
    need = _used(a)
    a.offer, a.price, a.labels, a.cap = o, o.price, o.labels, o.cap
    a.free_c, a.free_m, a.free_g, a.free_n = (o.cap[r] - need[r] for r in range(4))
    moved: list[int] = []
    for p in list(b.pods):
        if not lay.allows(p, a):
            break
        sp._relink(p, a)
        moved.append(p)
    if settle(sp, b, moved):
        return True
    _repool(sp, a, pool, old_pool)
    a.offer, a.price, a.labels, a.cap, a.free_c, a.free_m, a.free_g, a.free_n = old
    return False


def merge_pairs(sp: Spreader, deadline: float, clock: Callable[[], float], candidates: int = 120) -> float:
    """Merge pairs among the ``candidates`` cheapest-filled new nodes of each zone; return the saving."""
    lay = sp.layout
    bound = sp.index.bound

    def fill(b: Bin) -> float:
        used = _used(b)
        return bound.worth(used[0], used[1], used[2]) / b.price if b.price > 0 else float("inf")

    saved = 0.0
    zones: dict[str, list[Bin]] = {}
    for b in lay.bins:
        if b.active and b.offer is not None and b.pods and not b.pinned:
            zones.setdefault(b.offer.zone, []).append(b)
    by_zone: dict[str, list[_Row]] = {}
    for offer in sp.index.by_price:
        by_zone.setdefault(offer.zone, []).append((offer.price, *offer.cap[:4], offer))
    for zone, members in zones.items():
        pool = sorted(members, key=lambda b: (fill(b), b.idx))[:candidates]
        for i, a in enumerate(pool):
            for b in pool[i + 1 :]:
                if clock() > deadline:
                    return saved
                if not a.active or not b.active:
                    continue
                merged = _merge_offer(sp, a, b, by_zone.get(zone, []))
                price = a.price + b.price
                if merged is not None and _apply(sp, a, b, merged):
                    saved += price - merged.price
    return saved
