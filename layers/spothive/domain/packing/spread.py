"""Spot diversity: spread new spot nodes over pools so no pool holds more than ``max_pool_share`` of them."""

from __future__ import annotations

import math

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import OfferIndex, class_key
from spothive.domain.packing.problem import Offer


def spread_spot_pools(layout: Layout, index: OfferIndex) -> None:
    """Move new spot nodes to the same type in another zone (cheapest first) while a pool is over its cap.

    A node whose pods pin it to one pool stays there: diversity is kept "when possible".
    """
    pr = layout.problem
    spot_bins = [
        b for b in layout.bins if b.active and b.offer is not None and b.offer.capacity_type == "spot"
    ]
    if len(spot_bins) < 2:
        return
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
    counts: dict[tuple[str, str], int] = {}
    for b in sorted(spot_bins, key=lambda b: (len(choices[b.idx]), b.idx)):
        alts = choices[b.idx]
        pick = next((o for o in alts if counts.get((o.itype.name, o.zone), 0) < cap), alts[0])
        counts[(pick.itype.name, pick.zone)] = counts.get((pick.itype.name, pick.zone), 0) + 1
        b.offer, b.price, b.labels = pick, pick.price, pick.labels
