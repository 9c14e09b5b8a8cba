"""Keep a node rather than replace it by its twin: a plan that removes a node and adds a new one of the same
type, capacity type and zone, at no lower price, only disrupts. The new node's pods go to the node already
there (its labels and taints allow each of them, its room holds them all) and the new node is not added."""

from __future__ import annotations

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import CAPACITY_LABEL, ZONE_LABEL
from spothive.domain.packing.problem import Bin


def keep_twins(layout: Layout) -> int:
    """Swap every added node that has a removed twin back for the twin; returns how many were kept."""
    removed = [b for b in layout.bins if b.existing >= 0 and not b.active and not b.pods]
    kept = 0
    for new in [b for b in layout.bins if b.existing < 0 and b.active and b.offer is not None]:
        twin = next((old for old in removed if _twin(layout, old, new)), None)
        if twin is None:
            continue
        pods = list(new.pods)
        for pod in pods:
            layout.unplace(pod)
        twin.active = True
        placed = [pod for pod in pods if _place_if_allowed(layout, pod, twin)]
        if len(placed) == len(pods):
            new.active = False
            removed.remove(twin)
            kept += 1
            continue
        for pod in placed:  # roll back: the twin cannot take them all
            layout.unplace(pod)
        twin.active = False
        for pod in pods:
            layout.place(pod, new)
    return kept


def _twin(layout: Layout, old: Bin, new: Bin) -> bool:
    offer = new.offer
    assert offer is not None
    itype = layout.problem.node_types[old.existing]
    return (itype.name == offer.itype.name and old.labels.get(ZONE_LABEL) == offer.zone
            and old.labels.get(CAPACITY_LABEL) == offer.capacity_type and old.price <= new.price + 1e-9
            and all(f >= n - f2 for f, n, f2 in zip(old.cap, new.cap, _free(new), strict=True)))


def _free(b: Bin) -> tuple[int, int, int, int]:
    return b.free_c, b.free_m, b.free_g, b.free_n


def _place_if_allowed(layout: Layout, pod: int, twin: Bin) -> bool:
    pr = layout.problem
    if not (twin.fits(pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod])
            and pr.compatible(pod, twin.labels, twin.taints, twin.existing) and layout.allows(pod, twin)):
        return False
    layout.place(pod, twin)
    return True
