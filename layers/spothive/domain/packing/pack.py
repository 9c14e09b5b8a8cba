"""First-fit-decreasing packing: fill kept nodes' free space, then new nodes of LP-chosen types."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from spothive.domain.packing.balanced import pack_balanced
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import ClassKey, OfferIndex, choose_types, class_key
from spothive.domain.packing.problem import Bin, Offer


def _weights(layout: Layout, index: OfferIndex, pods: Sequence[int]) -> dict[int, float]:
    pr = layout.problem
    b = index.bound
    if b.y_cpu > 0 or b.y_mem > 0:
        return {p: b.worth(pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]) for p in pods}
    return {p: pr.pod_c[p] / 1000 + pr.pod_m[p] / 4096 + pr.pod_g[p] * 10 for p in pods}


def _first_fit(
    layout: Layout, pod: int, open_bins: list[Bin], key: ClassKey, index: OfferIndex
) -> Bin | None:
    pr = layout.problem
    c, m, g = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
    for b in open_bins:
        if b.free_c >= c and b.free_m >= m and b.free_g >= g and b.free_n >= 1 and layout.allows(pod, b):
            if b.offer is not None:
                if index.accepts(b.offer, key):
                    return b
            elif pr.compatible(pod, b.labels, b.taints, b.existing):
                return b
    return None


def _prune(open_bins: list[Bin], min_c: int, min_m: int) -> list[Bin]:
    return [b for b in open_bins if b.free_n >= 1 and b.free_c >= min_c and b.free_m >= min_m]


def fill_existing(layout: Layout, pods: Sequence[int], index: OfferIndex) -> list[int]:
    """Place pods (largest first) into kept nodes' free space; return those that did not fit."""
    pr = layout.problem
    weights = _weights(layout, index, pods)
    order = sorted(pods, key=lambda p: (-weights[p], p))
    if not order:
        return []
    min_c = min(pr.pod_c[p] for p in order)
    min_m = min(pr.pod_m[p] for p in order)
    open_bins = _prune([b for b in layout.bins if b.active and b.existing >= 0], min_c, min_m)
    rest: list[int] = []
    for n, pod in enumerate(order):
        b = _first_fit(layout, pod, open_bins, class_key(pr, pod), index) if open_bins else None
        if b is None:
            rest.append(pod)
            continue
        layout.place(pod, b)
        if n % 64 == 63:
            open_bins = _prune(open_bins, min_c, min_m)
    return rest


def _split_by_ratio(layout: Layout, pods: list[int], plan: list[tuple[Offer, float]]) -> dict[int, Offer]:
    """Assign each pod the offer its new node should use: CPU-heavy pods to the CPU-rich type of a pair."""
    if len(plan) == 1:
        return {p: plan[0][0] for p in pods}
    pr = layout.problem
    (a, xa), (b, xb) = sorted(plan, key=lambda t: t[0].cap[1] / max(t[0].cap[0], 1))
    share = xa * a.cap[0] / (xa * a.cap[0] + xb * b.cap[0])
    total = sum(pr.pod_c[p] for p in pods)
    order = sorted(pods, key=lambda p: (pr.pod_m[p] / max(pr.pod_c[p], 1), p))
    out: dict[int, Offer] = {}
    acc = 0
    for p in order:
        out[p] = a if acc < share * total else b
        acc += pr.pod_c[p]
    return out


def pack_new(layout: Layout, pods: Sequence[int], index: OfferIndex) -> None:
    """Place pods on new nodes: per class, LP-chosen types, first-fit-decreasing over every open new node."""
    pr = layout.problem
    by_class: dict[tuple[ClassKey, bool], list[int]] = defaultdict(list)
    for p in pods:
        by_class[(class_key(pr, p), pr.pod_g[p] > 0)].append(p)
    target: dict[int, Offer] = {}
    keys: dict[int, ClassKey] = {}
    left: list[int] = []
    for (key, _), members in by_class.items():
        offers = index.for_class(key)
        demand = (
            float(sum(pr.pod_c[p] for p in members)),
            float(sum(pr.pod_m[p] for p in members)),
            float(sum(pr.pod_g[p] for p in members)),
            float(len(members)),
        )
        plan = choose_types(offers, demand, index.bound)
        if plan:
            members = pack_balanced(layout, members, plan, index)
        elif plan:
            target.update(_split_by_ratio(layout, members, plan))
        for p in members:
            keys[p] = key
        left.extend(members)
    weights = _weights(layout, index, left)
    order = sorted(left, key=lambda p: (-weights[p], p))
    if not order:
        return
    min_c = min(pr.pod_c[p] for p in order)
    min_m = min(pr.pod_m[p] for p in order)
    open_by_target: dict[int, list[Bin]] = defaultdict(list)
    for n, pod in enumerate(order):
        key = keys[pod]
        group = open_by_target[id(target.get(pod))]
        b = _first_fit(layout, pod, group, key, index)
        if b is None:
            offer = target.get(pod)
            c, m, g = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
            if offer is None or not (offer.cap[0] >= c and offer.cap[1] >= m and offer.cap[2] >= g):
                offer = index.cheapest_fitting([key], (c, m, g, 1))
            if offer is None:
                layout.unplaced.append(pod)
                continue
            b = layout.new_bin(offer)
            group.append(b)
        layout.place(pod, b)
        if n % 64 == 63:
            for t, bins in open_by_target.items():
                open_by_target[t] = _prune(bins, min_c, min_m)
