"""Spread checks of a plan: topology spread constraints and the default replica share, today versus after.

A plan may not make a workload's spread worse than it is today beyond its limits: for DoNotSchedule
constraints on ``kubernetes.io/hostname`` or ``topology.kubernetes.io/zone`` the skew (max - min matching
pods over the domains of eligible plan nodes, as the scheduler counts) must stay within ``max_skew`` or at
today's skew; with the default share (``max_workload_share``) no node and no Spot pool may hold more than
``max(1, floor(share x n))`` of a workload's ``n`` replicas unless it held that many already. For hostname
spread the check is per node: no node holds more matching pods than ``max_skew`` or than it holds today (which
bounds the skew by ``max_skew`` wherever the plan places pods, whatever empty nodes it adds).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from spothive.domain.packing.constraints import HOSTNAME_KEY, ZONE_KEY, affinity_holds, selector_matches
from spothive.domain.packing.model import ZONE_LABEL, Pod


def _skew(counts: Mapping[str, int], domains: set[str]) -> int:
    if not domains:
        return 0
    values = [counts.get(d, 0) for d in domains]
    return max(values) - min(values)


def spread_violations(
    pods: Sequence[Pod],
    labels: Mapping[str, Mapping[str, str]],
    today_labels: Mapping[str, Mapping[str, str]],
    capacity: Mapping[str, str],
    placements: Mapping[str, str],
    share: float,
) -> list[tuple[str, str, str]]:
    """(kind, subject, message) for each spread limit the plan breaks; see the module doc.

    ``labels``: plan node → labels; ``today_labels``: snapshot node → labels; ``capacity``: node → capacity
    type (plan and snapshot nodes).
    """
    out: list[tuple[str, str, str]] = []
    after = {p.key: placements.get(p.key) for p in pods}
    owners: dict[tuple[str, str], list[Pod]] = {}
    for p in pods:
        if p.owner:
            owners.setdefault((p.namespace, p.owner), []).append(p)

    def pool(node_labels: Mapping[str, str]) -> str:
        return f"{node_labels.get('node.kubernetes.io/instance-type')}/{node_labels.get(ZONE_LABEL)}"

    if share < 1:
        for (ns, owner), members in owners.items():
            if len(members) < 2:
                continue
            cap = max(1, math.floor(share * len(members)))
            now = Counter(p.node for p in members if p.node is not None)
            then = Counter(t for p in members if (t := after[p.key]) is not None)
            for node, n in then.items():
                if n > cap and n > now.get(node, 0):
                    out.append(("spread", f"{ns}/{owner}", f"{n} of {len(members)} {ns}/{owner} on {node}"))
            now_pool = Counter(
                pool(today_labels[str(p.node)]) for p in members if p.node in today_labels and capacity.get(str(p.node)) == "spot"
            )
            then_pool = Counter(
                pool(labels[t])
                for p in members
                if (t := after[p.key]) is not None and t in labels and capacity.get(t) == "spot"
            )
            for key, n in then_pool.items():
                if n > cap and n > now_pool.get(key, 0):
                    out.append(("spread", f"{ns}/{owner}", f"{n} of {len(members)} {ns}/{owner} in pool {key}"))
    seen: set[tuple[object, ...]] = set()
    for p in pods:
        for rule in p.spread:
            if rule.topology_key not in (HOSTNAME_KEY, ZONE_KEY):
                continue
            gk = (p.namespace, rule.selector or p.owner, rule.topology_key, rule.max_skew)
            if gk in seen:
                continue
            seen.add(gk)
            if rule.selector:
                members = [q for q in pods if q.namespace == p.namespace and selector_matches(rule.selector, q.labels)]
            else:
                members = owners.get((p.namespace, p.owner), [p])

            # Kubernetes checks max_skew only when it schedules a pod: a plan that moves none of the members
            # (a new zone appearing beside them, say) asks the scheduler nothing about this constraint
            if all(after[q.key] == q.node for q in members):
                continue
            by_host = rule.topology_key == HOSTNAME_KEY

            def domain(node: str, lab: Mapping[str, Mapping[str, str]], by_host: bool = by_host) -> str:
                return node if by_host else str(lab[node].get(ZONE_LABEL, ""))

            def eligible(lab: Mapping[str, Mapping[str, str]], pod: Pod = p) -> set[str]:
                return {
                    domain(n, lab)
                    for n, nl in lab.items()
                    if all(nl.get(k) == v for k, v in pod.node_selector.items()) and affinity_holds(nl, pod.affinity)
                }

            today_zones = set() if by_host else {domain(str(q.node), today_labels) for q in members if q.node in today_labels}

            now = Counter(domain(str(q.node), today_labels) for q in members if q.node in today_labels)
            then = Counter(domain(str(t), labels) for q in members if (t := after[q.key]) in labels)
            if by_host:
                for host, n in then.items():
                    if n > max(rule.max_skew, now.get(host, 0)):
                        out.append(
                            ("spread", f"{p.namespace}/{p.owner or p.name}",
                             f"{n} matching pods on {host} exceed max_skew {rule.max_skew} over {HOSTNAME_KEY}")
                        )
                continue
            skew_now = _skew(now, eligible(today_labels) | today_zones)
            skew_then = _skew(then, eligible(labels) | today_zones)
            if skew_then > rule.max_skew and skew_then > skew_now:
                out.append(
                    (
                        "spread",
                        f"{p.namespace}/{p.owner or p.name}",
                        f"skew {skew_then} over {rule.topology_key} exceeds max_skew {rule.max_skew} "
                        f"(today {skew_now})",
                    )
                )
    return out
