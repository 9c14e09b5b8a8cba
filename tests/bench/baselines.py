"""Baselines for the benchmark: FFD onto the cheapest type, and a Karpenter-like single-node pass."""

from __future__ import annotations

from spothive.domain.catalog import Catalog
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import PackingPolicy, Snapshot
from spothive.domain.packing.offers import class_key, offer_accepts
from spothive.domain.packing.planner import initial_layout, node_usage, policy_kept
from spothive.domain.packing.problem import Problem, build_problem


def ffd_cheapest_type(snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy) -> tuple[int, float]:
    """Keep the nodes the policy keeps (pinned pods, utilisation over the threshold); first-fit-decreasing
    every other pod onto one type per pod class: the offer with the lowest price for the class's dominant
    resource. Returns (nodes, $/h)."""
    pr = build_problem(snapshot, catalog, policy)
    pinned = policy_kept(pr, node_usage(pr))
    bins: list[list[int]] = []  # free c, m, g, n
    bin_offer: list[tuple[float, object]] = []
    for i in pinned:
        t = pr.node_types[i]
        bins.append([t.alloc_cpu_m, t.alloc_memory_mib, t.gpus, t.max_pods])
        bin_offer.append((pr.node_prices[i], None))
    pinned_index = {node: k for k, node in enumerate(pinned)}
    for pod, orig in enumerate(pr.pod_orig):
        if orig in pinned_index:
            b = bins[pinned_index[orig]]
            b[0] -= pr.pod_c[pod]
            b[1] -= pr.pod_m[pod]
            b[2] -= pr.pod_g[pod]
            b[3] -= 1
    movers = [p for p, orig in enumerate(pr.pod_orig) if orig not in pinned_index]
    tot_c = sum(pr.pod_c[p] for p in movers) or 1
    tot_m = sum(pr.pod_m[p] for p in movers) or 1
    choice: dict[object, object] = {}
    movers.sort(key=lambda p: -(pr.pod_c[p] / tot_c + pr.pod_m[p] / tot_m))
    for p in movers:
        key = class_key(pr, p)
        if (key, pr.pod_g[p] > 0) not in choice:
            need_gpu = pr.pod_g[p] > 0
            ok = [o for o in pr.offers if offer_accepts(o, key) and (o.cap[2] > 0) == need_gpu]
            best = min(ok, key=lambda o: max(o.price / o.cap[0] * tot_c, o.price / o.cap[1] * tot_m))
            choice[(key, need_gpu)] = best
        offer = choice[(key, pr.pod_g[p] > 0)]
        c, m, g = pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]
        for k, b in enumerate(bins):
            if (
                b[0] >= c
                and b[1] >= m
                and b[2] >= g
                and b[3] >= 1
                and (bin_offer[k][1] is None or bin_offer[k][1] is offer)
            ):
                break
        else:
            o = (
                offer
                if (offer.cap[0] >= c and offer.cap[1] >= m and offer.cap[2] >= g)
                else min(
                    (x for x in pr.offers if x.cap[0] >= c and x.cap[1] >= m and x.cap[2] >= g),
                    key=lambda x: x.price,
                )
            )
            bins.append(list(o.cap))
            bin_offer.append((o.price, o))
            k = len(bins) - 1
            b = bins[k]
        b[0] -= c
        b[1] -= m
        b[2] -= g
        b[3] -= 1
    return len(bins), sum(price for price, _ in bin_offer)


def karpenter_single_node(
    snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy, max_candidates: int = 100
) -> tuple[int, float]:
    """Karpenter-like single-node consolidation: for each node, cheapest first, try to delete it by
    re-scheduling its pods (first fit) on the remaining nodes; no replacement nodes. Returns (nodes, $/h)."""
    pr = build_problem(snapshot, catalog, policy)
    layout = _karpenter_layout(pr, max_candidates)
    active = [b for b in layout.bins if b.active]
    return len(active), sum(b.price for b in active)


def karpenter_victims(
    snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy, max_candidates: int = 100
) -> list[str]:
    """The nodes ``karpenter_single_node`` deletes, by name (what a replay drains)."""
    pr = build_problem(snapshot, catalog, policy)
    kept = _karpenter_layout(pr, max_candidates)
    return [snapshot.nodes[b.existing].name for b in kept.bins if not b.active and b.existing >= 0]


def _karpenter_layout(pr: Problem, max_candidates: int) -> Layout:
    """The single-node consolidation pass over a built problem: deleted nodes end inactive."""
    layout = initial_layout(pr, set(pr.pinned_nodes))
    order = sorted((b for b in layout.bins if not b.pinned), key=lambda b: (b.price, len(b.pods), b.idx))[
        :max_candidates
    ]
    for victim in order:
        moved = []
        ok = True
        for pod in list(victim.pods):
            dest = next(
                (
                    b
                    for b in layout.bins
                    if b is not victim
                    and b.active
                    and b.fits(pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod])
                    and pr.compatible(pod, b.labels, b.taints, b.existing)
                ),
                None,
            )
            if dest is None:
                ok = False
                break
            layout.unplace(pod)
            layout.place(pod, dest)
            moved.append(pod)
        if ok:
            victim.active = False
        else:
            for pod in moved:
                layout.unplace(pod)
                layout.place(pod, victim)
    return layout
