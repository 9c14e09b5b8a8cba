"""Spread groups: the pods that share spread limits, and the limits themselves (see ``workload_spread``)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from spothive.domain.packing.constraints import HOSTNAME_KEY, ZONE_KEY, selector_matches
from spothive.domain.packing.problem import Bin, Problem

INF = 1 << 30


@dataclass(slots=True)
class Group:
    """Pods sharing spread limits; counters are kept per bin, Spot pool and zone."""

    pods: list[int]
    node_cap: int = INF
    pool_cap: int = INF
    zone_skew: int = 0  # > 0: balance over zones
    zone_target: dict[str, int] = field(default_factory=dict)
    balanced: bool = False  # zones balanced: later moves keep its pods in their zones
    today_bin: Counter[int] = field(default_factory=Counter)  # existing node index → members there today
    today_pool: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_bin: Counter[int] = field(default_factory=Counter)
    per_pool: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_zone: Counter[str] = field(default_factory=Counter)


def node_limit(g: Group, idx: int) -> int:
    """A node may keep as many members as it runs today (the plan does not make that worse)."""
    return max(g.node_cap, g.today_bin.get(idx, 0))


def pool_limit(g: Group, pool: tuple[str, str]) -> int:
    return max(g.pool_cap, g.today_pool.get(pool, 0))


def pool_of(b: Bin, pr: Problem) -> tuple[str, str] | None:
    if b.offer is not None:
        return (b.offer.itype.name, b.offer.zone) if b.offer.capacity_type == "spot" else None
    node = pr.snapshot.nodes[b.existing]
    return (node.instance_type, node.zone) if node.capacity_type == "spot" else None


def build_groups(pr: Problem) -> list[Group]:
    """Spread groups of the workload: owners (default share) and every DoNotSchedule constraint."""
    share = pr.policy.max_workload_share
    pods = pr.snapshot.pods
    by_owner: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(pods):
        if p.owner:
            by_owner[(p.namespace, p.owner)].append(i)
    groups: list[Group] = []
    if share < 1:
        for members in by_owner.values():
            if len(members) >= 2:
                cap = max(1, math.floor(share * len(members)))
                groups.append(Group(members, node_cap=cap, pool_cap=cap))
    seen: dict[tuple[object, ...], Group] = {}
    for i, p in enumerate(pods):
        for rule in p.spread:
            if rule.topology_key not in (HOSTNAME_KEY, ZONE_KEY):
                continue
            gk = (p.namespace, rule.selector or ("\x00owner", p.owner), rule.topology_key)
            g = seen.get(gk)
            if g is None:
                if rule.selector:
                    members = [
                        j
                        for j, q in enumerate(pods)
                        if q.namespace == p.namespace and selector_matches(rule.selector, q.labels)
                    ]
                else:
                    members = list(by_owner.get((p.namespace, p.owner), [i]))
                g = Group(members)
                seen[gk] = g
                groups.append(g)
            if rule.topology_key == HOSTNAME_KEY:
                g.node_cap = min(g.node_cap, rule.max_skew)
            else:
                g.zone_skew = min(g.zone_skew or INF, rule.max_skew)
    return groups
