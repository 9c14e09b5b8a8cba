"""Bin-centric packing for many small pods: fill one node at a time with the pods that fit it best.

Pods are bucketed by their memory-to-CPU ratio (each bucket sorted largest first). A node being filled takes,
among the largest fitting pod of every bucket, the one with the highest dot product between its normalised
request and the node's normalised free capacity (the vector-packing "dot product" rule), so CPU-heavy and
memory-heavy pods are mixed until both dimensions are full. With two LP-chosen types, new nodes follow the
LP's proportions.
"""

from __future__ import annotations

import bisect
import math

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import OfferIndex
from spothive.domain.packing.problem import Bin, Offer

BUCKETS = 24
SCAN = 12


class _Buckets:
    """Remaining pods by ratio bucket; each bucket is sorted by CPU descending (kept as negated keys)."""

    def __init__(self, layout: Layout, pods: list[int]) -> None:
        self.layout = layout
        pr = layout.problem
        self.c, self.m, self.g = pr.pod_c, pr.pod_m, pr.pod_g
        ratios = sorted(math.log((pr.pod_m[p] + 1) / (pr.pod_c[p] + 1)) for p in pods)
        edges = [ratios[len(ratios) * k // BUCKETS] for k in range(1, BUCKETS)] if ratios else []
        self.keys: list[list[tuple[int, int, int]]] = [[] for _ in range(BUCKETS)]
        for p in pods:
            k = bisect.bisect_right(edges, math.log((pr.pod_m[p] + 1) / (pr.pod_c[p] + 1)))
            self.keys[k].append((-pr.pod_c[p], -pr.pod_m[p], p))
        for bucket in self.keys:
            bucket.sort()
        self.left = len(pods)
        self.demand_c = sum(pr.pod_c[p] for p in pods)
        self.demand_m = sum(pr.pod_m[p] for p in pods)

    def best_for(self, b: Bin) -> tuple[int, int] | None:
        """(bucket, position) of the pod to add to ``b`` next, or None when nothing fits."""
        best: tuple[float, int, int] | None = None
        rc = b.free_c / b.cap[0]
        rm = b.free_m / b.cap[1]
        rg = b.free_g / b.cap[2] if b.cap[2] else 0.0
        for k, bucket in enumerate(self.keys):
            if not bucket:
                continue
            pos = bisect.bisect_left(bucket, (-b.free_c, -(10**12), -1))
            for j in range(pos, min(pos + SCAN, len(bucket))):
                nc, nm, p = bucket[j]
                if -nm <= b.free_m and self.g[p] <= b.free_g and self.layout.allows(p, b):
                    ac, am = rc + nc / b.cap[0], rm + nm / b.cap[1]
                    score = abs(ac - am) - 0.25 * (rc - rm) ** 2
                    if b.cap[2]:
                        score += abs(rg - self.g[p] / b.cap[2] - (ac + am) / 2)
                    if best is None or score < best[0]:
                        best = (score, k, j)
                    break
        return None if best is None else (best[1], best[2])

    def take(self, k: int, j: int) -> int:
        _, _, p = self.keys[k].pop(j)
        self.left -= 1
        self.demand_c -= self.c[p]
        self.demand_m -= self.m[p]
        return p


def _pair_counts(a: Offer, b: Offer, c: float, m: float) -> tuple[float, float]:
    det = a.cap[0] * b.cap[1] - a.cap[1] * b.cap[0]
    if det == 0:
        return (max(c / a.cap[0], m / a.cap[1]), 0.0)
    return ((c * b.cap[1] - m * b.cap[0]) / det, (a.cap[0] * m - a.cap[1] * c) / det)


def pack_balanced(
    layout: Layout, pods: list[int], plan: list[tuple[Offer, float]], index: OfferIndex
) -> list[int]:
    """Place ``pods`` (no GPUs, one class) on new nodes of the plan's offers; return pods that fit none."""
    if not pods or not plan:
        return list(pods)
    offers = [o for o, _ in plan]
    pr = layout.problem

    def fits_all(p: int) -> bool:
        return all(
            o.cap[0] >= pr.pod_c[p] and o.cap[1] >= pr.pod_m[p] and o.cap[2] >= pr.pod_g[p] for o in offers
        )

    fitting = [p for p in pods if fits_all(p)]
    misfits = [p for p in pods if not fits_all(p)]
    if not fitting:
        return misfits
    buckets = _Buckets(layout, fitting)
    while buckets.left:
        offer = offers[0]
        if len(offers) == 2:
            xa, xb = _pair_counts(offers[0], offers[1], buckets.demand_c, buckets.demand_m)
            offer = offers[0] if xa >= xb or xb <= 0 else offers[1]
            if xa <= 0:
                offer = offers[1]
        b = layout.new_bin(offer)
        placed = 0
        while b.free_n >= 1:
            found = buckets.best_for(b)
            if found is None:
                break
            layout.place(buckets.take(*found), b)
            placed += 1
        if placed == 0:
            b.active = False
            return misfits + [p for bucket in buckets.keys for _, _, p in bucket]
    return misfits
