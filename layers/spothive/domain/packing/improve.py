"""Local improvement of a layout: right-size new nodes and empty nodes whose pods fit elsewhere."""

from __future__ import annotations

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import OfferIndex, class_key
from spothive.domain.packing.problem import Bin


def downsize(layout: Layout, index: OfferIndex) -> float:
    """Give every new node the cheapest offer its pods accept and fit in; return the hourly saving."""
    pr = layout.problem
    saved = 0.0
    for b in layout.bins:
        if not b.active or b.offer is None:
            continue
        if not b.pods:
            b.active = False
            saved += b.price
            continue
        need = (b.cap[0] - b.free_c, b.cap[1] - b.free_m, b.cap[2] - b.free_g, b.cap[3] - b.free_n)
        keys = list({class_key(pr, p) for p in b.pods})
        offer = index.cheapest_fitting(keys, need)
        if offer is None or offer.price >= b.price - 1e-12:
            continue
        saved += b.price - offer.price
        b.offer, b.price, b.labels = offer, offer.price, offer.labels
        b.free_c, b.free_m, b.free_g, b.free_n = (offer.cap[r] - need[r] for r in range(4))
        b.cap = offer.cap
    return saved


def _fits(layout: Layout, pod: int, b: Bin, index: OfferIndex) -> bool:
    pr = layout.problem
    if not (b.free_c >= pr.pod_c[pod] and b.free_m >= pr.pod_m[pod] and b.free_g >= pr.pod_g[pod]):
        return False
    if b.free_n < 1 or not layout.allows(pod, b):
        return False
    if b.offer is not None:
        return index.accepts(b.offer, class_key(pr, pod))
    return pr.compatible(pod, b.labels, b.taints, b.existing)


def try_empty(
    layout: Layout, victim: Bin, targets: list[Bin], index: OfferIndex, gpu_targets: list[Bin] | None = None
) -> bool:
    """Move all pods of ``victim`` to ``targets`` (best fit, within PDBs); undo and say False if stuck.

    GPU pods only look at ``gpu_targets`` when given (the targets with free GPUs).
    """
    pr = layout.problem
    moved: list[tuple[int, Bin, bool]] = []
    bound = index.bound
    pods = sorted(victim.pods, key=lambda p: -bound.worth(pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]))
    ok = True
    for pod in pods:
        best: Bin | None = None
        best_left = float("inf")
        c, m, g = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
        for b in gpu_targets if (g > 0 and gpu_targets is not None) else targets:
            if b.free_c < c or b.free_m < m or b.free_g < g or b.free_n < 1:
                continue
            if b is victim or not b.active:
                continue
            left = bound.y_cpu * (b.free_c - c) + bound.y_mem * (b.free_m - m)
            if left < best_left and _fits(layout, pod, b, index):
                best, best_left = b, left
        if best is None:
            ok = False
            break
        spends = layout.moves_pdb(pod, best)
        if spends:
            pdb = pr.pod_pdb[pod]
            if layout.pdb_used[pdb] >= pr.pdb_budget[pdb]:
                ok = False
                break
            layout.pdb_used[pdb] += 1
        layout.unplace(pod)
        layout.place(pod, best)
        moved.append((pod, best, spends))
    if ok:
        victim.active = False
        return True
    for pod, _, spends in reversed(moved):
        layout.unplace(pod)
        layout.place(pod, victim)
        if spends:
            layout.pdb_used[pr.pod_pdb[pod]] -= 1
    return False


def remove_nodes(layout: Layout, index: OfferIndex, max_candidates: int = 400) -> int:
    """Empty the least-utilised removable nodes where their pods fit elsewhere; return how many went."""
    pr = layout.problem
    min_c = min((pr.pod_c[p] for p in range(len(pr.pod_c))), default=0)
    min_m = min((pr.pod_m[p] for p in range(len(pr.pod_m))), default=0)

    def utilisation(b: Bin) -> float:
        used = index.bound.worth(b.cap[0] - b.free_c, b.cap[1] - b.free_m, b.cap[2] - b.free_g)
        return used / b.price if b.price > 0 else float("inf")

    candidates = sorted((b for b in layout.bins if b.active and not b.pinned), key=utilisation)[
        :max_candidates
    ]
    removed = 0
    targets: list[Bin] = []
    gpu_targets: list[Bin] = []
    for n, victim in enumerate(candidates):
        if not victim.active:
            continue
        if not victim.pods:
            victim.active = False
            removed += 1
            continue
        if n % 32 == 0:
            targets = [
                b
                for b in layout.bins
                if b.active and b.free_n >= 1 and b.free_c >= min_c and b.free_m >= min_m
            ]
            gpu_targets = [b for b in targets if b.free_g > 0]
        if try_empty(layout, victim, targets, index, gpu_targets):
            removed += 1
    return removed
