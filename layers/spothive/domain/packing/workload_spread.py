"""Workload spread: topology spread constraints and the default replica share, enforced on a layout.

Rules per group of pods (a workload: same namespace and owner; or the pods a spread constraint selects):

- default (``policy.max_workload_share``, 0.5): at most ``max(1, floor(share x n))`` of a workload's ``n``
  replicas on one node and on one Spot pool (type, zone);
- ``kubernetes.io/hostname`` spread: at most ``max_skew`` matching pods per node (which bounds the skew by
  ``max_skew`` whatever the other nodes hold);
- ``topology.kubernetes.io/zone`` spread: pods balanced over the zones the group may use (existing eligible
  nodes and offers), each zone's count within the water-filled target, so the skew is at most 1.

Pods over a limit move (those already moved first, then within PDB budgets) to a node that fits, accepts
them and has room under every limit of every group they belong to; else a new node of the cheapest fitting
offer (in the zone they need) opens. Pods that cannot move stay (the validator reports what is left).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from spothive.domain.packing.constraints import spread_domain_node
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import ZONE_LABEL
from spothive.domain.packing.offers import OfferIndex, offer_accepts
from spothive.domain.packing.problem import Bin, Offer
from spothive.domain.packing.spread_groups import Group, build_groups, node_limit, pool_limit, pool_of


def _water_fill(fixed: dict[str, int], zones: Sequence[str], n: int) -> dict[str, int]:
    """Per-zone targets summing to ``n``, never below the fixed counts, as level as possible."""
    target = {z: fixed.get(z, 0) for z in zones}
    left = n - sum(target.values())
    while left > 0 and target:
        z = min(target, key=lambda k: (target[k], k))
        target[z] += 1
        left -= 1
    return target


class Spreader:
    """Enforces the groups' limits on one layout."""

    def __init__(self, layout: Layout, index: OfferIndex, groups: list[Group]) -> None:
        self.layout, self.index, self.groups = layout, index, groups
        self.pr = layout.problem
        self.of_pod: dict[int, list[Group]] = defaultdict(list)
        for g in groups:
            for p in g.pods:
                self.of_pod[p].append(g)
        for g in groups:
            self._count(g)
            for p in g.pods:
                orig = self.pr.pod_orig[p]
                if orig >= 0:
                    g.today_bin[orig] += 1
                    pool = pool_of(layout.bins[orig], self.pr)
                    if pool is not None:
                        g.today_pool[pool] += 1

    def _zone(self, b: Bin) -> str:
        return str(b.labels.get(ZONE_LABEL, ""))

    def _count(self, g: Group) -> None:
        g.per_bin.clear()
        g.per_pool.clear()
        g.per_zone.clear()
        for p in g.pods:
            w = self.layout.where[p]
            if w < 0:
                continue
            b = self.layout.bins[w]
            g.per_bin[w] += 1
            pool = pool_of(b, self.pr)
            if pool is not None:
                g.per_pool[pool] += 1
            g.per_zone[self._zone(b)] += 1

    def _room(self, pod: int, b: Bin, zone: str | None = None) -> bool:
        """``b`` fits and accepts ``pod`` and every group of the pod stays within its limits there."""
        pr = self.pr
        return b.fits(pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]) and self._allowed(pod, b, zone)

    def _allowed(self, pod: int, b: Bin, zone: str | None = None) -> bool:
        """``b`` accepts ``pod`` (capacity aside) and every group of the pod stays within its limits there."""
        pr = self.pr
        if not b.active:
            return False
        bz = self._zone(b)
        if zone is not None and bz != zone:
            return False
        pool = pool_of(b, pr)
        w = self.layout.where[pod]
        for g in self.of_pod[pod]:
            if g.balanced and w >= 0 and bz != self._zone(self.layout.bins[w]):
                return False
            if g.per_bin[b.idx] >= node_limit(g, b.idx):
                return False
            if pool is not None and g.per_pool[pool] >= pool_limit(g, pool):
                return False
            if g.zone_target and g.per_zone[bz] >= g.zone_target.get(bz, 0):
                return False
        if b.offer is not None:
            return self.index.accepts(b.offer, pr.pod_class[pod])
        return pr.compatible(pod, b.labels, b.taints, b.existing)

    def _swap(self, pod: int, zone: str | None) -> bool:
        """Exchange ``pod`` with a pod of other groups on another node when both fit and stay within limits."""
        lay, pr = self.layout, self.pr
        a = lay.bins[lay.where[pod]]
        mine = {id(g) for g in self.of_pod[pod]}
        c, m, g_ = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
        for b in lay.bins:
            if b is a or not b.active:
                continue
            allowed: bool | None = None
            for q in b.pods:
                qc, qm, qg = pr.pod_c[q], pr.pod_m[q], pr.pod_g[q]
                if b.free_c + qc < c or b.free_m + qm < m or b.free_g + qg < g_:
                    continue
                if a.free_c + c < qc or a.free_m + m < qm or a.free_g + g_ < qg:
                    continue
                if not pr.movable[q] or pr.snapshot.pods[q].volume_zones or any(id(h) in mine for h in self.of_pod[q]):
                    continue
                if allowed is None:
                    allowed = self._allowed(pod, b, zone)
                if not allowed:
                    break
                if not self._allowed(q, a) or not self._pdb_ok_both((q, a), (pod, b)):
                    continue
                self._relink(q, a)
                self._relink(pod, b)
                return True
        return False

    def _pdb_ok(self, pod: int, dest: Bin) -> bool:
        pr = self.pr
        return not self.layout.moves_pdb(pod, dest) or (
            self.layout.pdb_used[pr.pod_pdb[pod]] < pr.pdb_budget[pr.pod_pdb[pod]]
        )

    def _pdb_ok_both(self, *moves: tuple[int, Bin]) -> bool:
        """Every PDB has budget for all of ``moves`` together."""
        pr, lay = self.pr, self.layout
        need: Counter[int] = Counter(pr.pod_pdb[p] for p, dest in moves if lay.moves_pdb(p, dest))
        return all(lay.pdb_used[b] + n <= pr.pdb_budget[b] for b, n in need.items())

    def _relink(self, pod: int, dest: Bin) -> None:
        """Move ``pod`` to ``dest`` (capacity may be short until a swap completes), keeping the counters."""
        lay, pr = self.layout, self.pr
        if lay.moves_pdb(pod, dest):
            lay.pdb_used[pr.pod_pdb[pod]] += 1
        elif (
            pr.pod_pdb[pod] >= 0
            and pr.pod_orig[pod] >= 0
            and dest.existing == pr.pod_orig[pod]
            and lay.bins[lay.where[pod]].existing != pr.pod_orig[pod]
        ):
            lay.pdb_used[pr.pod_pdb[pod]] -= 1  # back home: the move is undone
        cur = lay.where[pod]
        old = lay.bins[cur]
        old_pool, new_pool = pool_of(old, pr), pool_of(dest, pr)
        lay.unplace(pod)
        lay.place(pod, dest)
        for g in self.of_pod[pod]:
            g.per_bin[cur] -= 1
            g.per_bin[dest.idx] += 1
            if old_pool is not None:
                g.per_pool[old_pool] -= 1
            if new_pool is not None:
                g.per_pool[new_pool] += 1
            g.per_zone[self._zone(old)] -= 1
            g.per_zone[self._zone(dest)] += 1

    def _rezone(self, b: Bin) -> bool:
        """Give a new Spot node another pool (its type in another zone, cheapest first) when its pods accept
        it and every group of its pods stays within its pool limit and zone balance there."""
        pr = self.pr
        if b.offer is None or b.offer.capacity_type != "spot":
            return False
        here = b.offer
        per_group: Counter[int] = Counter()
        groups: dict[int, Group] = {}
        for p in b.pods:
            for g in self.of_pod[p]:
                per_group[id(g)] += 1
                groups[id(g)] = g
        if any(g.zone_skew for g in groups.values()):
            return False
        classes = {pr.pod_class[p] for p in b.pods}
        for o in self.index.by_price:
            if o.capacity_type != "spot" or o.itype.name != here.itype.name or o.zone == here.zone:
                continue
            if not all(offer_accepts(o, k) for k in classes):
                continue
            pool = (o.itype.name, o.zone)
            if any(g.per_pool[pool] + per_group[k] > pool_limit(g, pool) for k, g in groups.items()):
                continue
            old_pool, old_zone = (here.itype.name, here.zone), here.zone
            b.offer, b.price, b.labels = o, o.price, o.labels
            for k, g in groups.items():
                g.per_pool[old_pool] -= per_group[k]
                g.per_pool[pool] += per_group[k]
                g.per_zone[old_zone] -= per_group[k]
                g.per_zone[o.zone] += per_group[k]
            return True
        return False

    def _offer(self, pod: int, zone: str | None) -> Offer | None:
        pr = self.pr
        need = (pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod])
        for o in self.index.by_price:
            if zone is not None and o.zone != zone:
                continue
            if o.cap[0] < need[0] or o.cap[1] < need[1] or o.cap[2] < need[2] or o.cap[3] < 1:
                continue
            if not offer_accepts(o, pr.pod_class[pod]):
                continue
            probe = self.layout.new_bin(o)
            ok = self._room(pod, probe, zone)
            self.layout.bins.pop()
            if ok:
                return o
        return None

    def _relocate(self, pod: int, grow: bool = True) -> bool:
        """Move a pod over a node or pool limit: in its zone when it belongs to a zone-spread group."""
        if any(g.zone_skew for g in self.of_pod[pod]):
            here = self._zone(self.layout.bins[self.layout.where[pod]])
            if self._move(pod, here, grow):
                return True
        return self._move(pod, None, grow)

    def _move(self, pod: int, zone: str | None = None, grow: bool = True) -> bool:
        """Move ``pod`` to the fullest node with room under every limit, else swap it with another pod, else
        open a new node; False if stuck."""
        lay = self.layout
        cur = lay.where[pod]
        best: Bin | None = None
        pr = self.pr
        c, m, g_ = pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod]
        for b in lay.bins:
            if b.free_c < c or b.free_m < m or b.free_g < g_ or b.free_n < 1 or not b.active or b.idx == cur:
                continue
            if not self._allowed(pod, b, zone):
                continue
            if best is None or (b.free_c, b.idx) < (best.free_c, best.idx):
                best = b
        if best is None:
            if self._swap(pod, zone):
                return True
            if not grow:
                return False
            offer = self._offer(pod, zone)
            if offer is None:
                return False
            best = lay.new_bin(offer)
        if not self._pdb_ok(pod, best):
            return False
        old = lay.bins[cur]
        self._relink(pod, best)
        if not old.pods and not old.pinned:
            old.active = False
        return True

    def _candidates(self, g: Group, bins: list[int]) -> list[int]:
        """Movable pods of ``g`` on ``bins``, those already away from home (pending pods included) first: pods
        staying on their kept node may be held there by a PodDisruptionBudget."""
        pr, lay = self.pr, self.layout
        where = set(bins)
        pods = [p for p in g.pods if lay.where[p] in where and pr.movable[p] and not pr.snapshot.pods[p].volume_zones]
        return sorted(pods, key=lambda p: (pr.pod_orig[p] >= 0 and lay.bins[lay.where[p]].existing == pr.pod_orig[p], p))

    def _zones(self, g: Group) -> list[str]:
        """Spread domains of the group: zones of active nodes its first pod's selector and affinity match,
        and the zones its members run in today (a plan never drops a zone from the spread)."""
        pr = self.pr
        pod = pr.snapshot.pods[g.pods[0]]
        zones = {pr.snapshot.nodes[o].zone for p in g.pods if (o := pr.pod_orig[p]) >= 0}
        for b in self.layout.bins:
            if b.active and spread_domain_node(b.labels, pod.node_selector, pod.affinity):
                zones.add(self._zone(b))
        return sorted(zones)

    def run(self) -> None:
        """Bring every group within its limits where pods can move: node and pool limits, then zones."""
        lay, pr = self.layout, self.pr
        for g in self.groups:
            for idx in [i for i, n in g.per_bin.items() if n > node_limit(g, i)]:
                for p in self._candidates(g, [idx]):
                    if g.per_bin[idx] <= node_limit(g, idx):
                        break
                    self._relocate(p)
            for pool in [k for k, n in g.per_pool.items() if n > pool_limit(g, k)]:
                limit = pool_limit(g, pool)
                bins = [b.idx for b in lay.bins if b.active and pool_of(b, pr) == pool]
                for p in self._candidates(g, bins)[: g.per_pool[pool] - limit]:
                    self._relocate(p, grow=False)
                bins.sort(key=lambda i: -g.per_bin[i])
                for i in bins:
                    if g.per_pool[pool] <= limit:
                        break
                    self._rezone(lay.bins[i])
                if g.per_pool[pool] <= limit:
                    continue
                bins = [b.idx for b in lay.bins if b.active and pool_of(b, pr) == pool]
                for p in self._candidates(g, bins)[: g.per_pool[pool] - limit]:
                    self._relocate(p)
        for g in self.groups:
            if g.zone_skew:
                self._balance_zones(g)
        self._settle()

    def _settle(self) -> None:
        """Members still over a node or pool limit go back home, or (pending) stay pending."""
        lay, pr = self.layout, self.pr
        for g in self.groups:
            for p in g.pods:
                w = lay.where[p]
                if w < 0:
                    continue
                b = lay.bins[w]
                pool = pool_of(b, pr)
                over = g.per_bin[w] > node_limit(g, w) or (
                    pool is not None and g.per_pool[pool] > pool_limit(g, pool)
                )
                orig = pr.pod_orig[p]
                if not over or (orig >= 0 and b.existing == orig):  # a pending pod is at home on no node
                    continue
                if orig < 0:
                    self._drop(p)
                    continue
                home = lay.bins[orig]
                if home.fits(pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]):
                    home.active = True
                    self._relink(p, home)

    def _drop(self, pod: int) -> None:
        """Leave a pending pod pending: no node takes it within the limits."""
        lay = self.layout
        cur = lay.where[pod]
        b = lay.bins[cur]
        pool = pool_of(b, self.pr)
        lay.unplace(pod)
        lay.unplaced.append(pod)
        for g in self.of_pod[pod]:
            g.per_bin[cur] -= 1
            if pool is not None:
                g.per_pool[pool] -= 1
            g.per_zone[self._zone(b)] -= 1
        if not b.pods and b.existing < 0:
            b.active = False

    def _balance_zones(self, g: Group) -> None:
        lay, pr = self.layout, self.pr
        zones = self._zones(g)
        placed = [p for p in g.pods if lay.where[p] >= 0]
        counts = [g.per_zone[z] for z in zones]
        if not zones or max(counts) - min(counts) <= g.zone_skew:
            g.balanced = True
            return
        fixed: Counter[str] = Counter()
        for p in placed:
            if not pr.movable[p] or pr.snapshot.pods[p].volume_zones:
                fixed[self._zone(lay.bins[lay.where[p]])] += 1
        g.zone_target = _water_fill(dict(fixed), zones, len(placed))
        for z in zones:
            extra = g.per_zone[z] - g.zone_target[z]
            if extra <= 0:
                continue
            bins = [b.idx for b in lay.bins if b.active and self._zone(b) == z]
            for p in self._candidates(g, bins):
                if g.per_zone[z] <= g.zone_target[z]:
                    break
                for y in [y for y in zones if g.per_zone[y] < g.zone_target[y]]:
                    if self._move(p, y):
                        break
        counts = [g.per_zone[z] for z in zones]
        if max(counts) - min(counts) > g.zone_skew:  # still skewed: pending pods over target stay pending
            low = min(counts)
            for p in [p for p in g.pods if pr.pod_orig[p] < 0 and lay.where[p] >= 0]:
                z = self._zone(lay.bins[lay.where[p]])
                if g.per_zone[z] - low > g.zone_skew:
                    self._drop(p)
        g.zone_target = {}
        g.balanced = True


def spread_workloads(layout: Layout, index: OfferIndex) -> Spreader | None:
    """Enforce spread constraints and the default replica share on ``layout`` (see the module doc).

    Returns the spreader (its counters match the layout) for improvement within the same limits."""
    groups = build_groups(layout.problem)
    if not groups:
        return None
    spreader = Spreader(layout, index, groups)
    spreader.run()
    return spreader


def settle(sp: Spreader, victim: Bin, moved: list[int]) -> bool:
    """Close ``victim`` when the moves emptied it (True); otherwise put ``moved`` back on it (False)."""
    if not victim.pods:
        victim.active = False
        return True
    for pod in reversed(moved):
        sp._relink(pod, victim)
    return False
