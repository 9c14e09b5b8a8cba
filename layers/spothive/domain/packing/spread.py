"""Spot diversity: spread new spot nodes over pools so no pool holds more than ``max_pool_share`` of them.

A new node's pool is also chosen so each workload's replicas in that pool (those staying on kept nodes of the
pool included) stay within the default replica share: a pool that already holds its share of a workload on
kept nodes is no place for more of its replicas, however few new nodes the pool has.
"""

from __future__ import annotations

import math
from collections import Counter

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import OfferIndex, class_key
from spothive.domain.packing.problem import Bin, Offer
from spothive.domain.packing.spread_groups import INF, Group, build_groups, pool_limit, pool_of

Pool = tuple[str, str]


class _PoolShares:
    """Replicas of each share-capped workload per Spot pool: kept nodes first, then each new node as placed."""

    def __init__(self, layout: Layout) -> None:
        pr = layout.problem
        self.groups = [g for g in build_groups(pr) if g.pool_cap < INF]
        self.of_pod: dict[int, list[int]] = {}
        for k, g in enumerate(self.groups):
            for p in g.pods:
                self.of_pod.setdefault(p, []).append(k)
                orig = pr.pod_orig[p]
                pool = pool_of(layout.bins[orig], pr) if orig >= 0 else None
                if pool is not None:
                    g.today_pool[pool] += 1
        for b in layout.bins:
            if b.active and b.offer is None:
                self.add(b, pool_of(b, pr))

    def _members(self, b: Bin) -> Counter[int]:
        return Counter(k for p in b.pods for k in self.of_pod.get(p, ()))

    def fits(self, b: Bin, pool: Pool) -> bool:
        """True when every capped workload of ``b``'s pods stays within its share of ``pool`` with ``b`` there."""
        groups: list[Group] = self.groups
        return all(groups[k].per_pool[pool] + n <= pool_limit(groups[k], pool) for k, n in self._members(b).items())

    def add(self, b: Bin, pool: Pool | None) -> None:
        """Count ``b``'s pods in ``pool``."""
        if pool is None:
            return
        for k, n in self._members(b).items():
            self.groups[k].per_pool[pool] += n


def spread_spot_pools(layout: Layout, index: OfferIndex) -> None:
    """Move new spot nodes to the same type in another zone (cheapest first) while a pool is over its cap.

    Each node takes the cheapest pool that keeps its workloads within their replica share and the pool within
    its node cap; else one within the replica share; else one within the node cap. A node whose pods pin it to
    one pool stays there: diversity is kept "when possible".
    """
    pr = layout.problem
    spot_bins = [
        b for b in layout.bins if b.active and b.offer is not None and b.offer.capacity_type == "spot"
    ]
    if not spot_bins:
        return
    shares = _PoolShares(layout)
    if len(spot_bins) == 1 and spot_bins[0].offer is not None:
        only = spot_bins[0].offer
        if not shares.groups or shares.fits(spot_bins[0], (only.itype.name, only.zone)):
            return  # one new node is diverse enough while its workloads stay within their share
    cap = max(1, math.ceil(pr.policy.max_pool_share * len(spot_bins)))
    choices: dict[int, list[Offer]] = {}
    by_type: dict[str, list[Offer]] = {}
    for o in index.by_price:
        if o.capacity_type == "spot":
            by_type.setdefault(o.itype.name, []).append(o)
    memo: dict[tuple[object, ...], list[Offer]] = {}
    for b in spot_bins:
        assert b.offer is not None
        keys = tuple(sorted({class_key(pr, p) for p in b.pods}, key=repr))
        mk = (b.offer.itype.name, keys)
        if mk not in memo:
            memo[mk] = [
                o for o in by_type.get(b.offer.itype.name, []) if all(index.accepts(o, k) for k in keys)
            ]
        choices[b.idx] = memo[mk] or [b.offer]
    counts: Counter[Pool] = Counter()
    for b in sorted(spot_bins, key=lambda b: (len(choices[b.idx]), b.idx)):
        alts = choices[b.idx]
        within = [o for o in alts if shares.fits(b, (o.itype.name, o.zone))] if shares.groups else alts
        pick = next(
            (o for o in within if counts[(o.itype.name, o.zone)] < cap),
            within[0] if within else next((o for o in alts if counts[(o.itype.name, o.zone)] < cap), alts[0]),
        )
        pool = (pick.itype.name, pick.zone)
        counts[pool] += 1
        shares.add(b, pool)
        b.offer, b.price, b.labels = pick, pick.price, pick.labels
