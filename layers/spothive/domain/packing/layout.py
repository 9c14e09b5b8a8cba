"""A layout: bins (kept and new nodes) with their pods, and the PDB budget it has spent."""

from __future__ import annotations

from dataclasses import dataclass, field

from spothive.domain.packing.node_limits import NodeLimits
from spothive.domain.packing.problem import Bin, Offer, Problem


@dataclass(slots=True)
class Layout:
    """Where every pod sits: ``where[pod]`` is a bin index or -1 (unplaced)."""

    problem: Problem
    bins: list[Bin]
    where: list[int]
    pdb_used: list[int]
    unplaced: list[int] = field(default_factory=list)
    limits: NodeLimits | None = None  # per-node spread limits, counted on every place/unplace

    def new_bin(self, offer: Offer) -> Bin:
        """Open a new node of ``offer``."""
        b = Bin(
            idx=len(self.bins),
            labels=offer.labels,
            taints=frozenset(),
            price=offer.price,
            cap=offer.cap,
            existing=-1,
            offer=offer,
        )
        b.reset()
        self.bins.append(b)
        return b

    def place(self, pod: int, b: Bin) -> None:
        """Put ``pod`` on ``b``."""
        pr = self.problem
        b.add(pod, pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod])
        self.where[pod] = b.idx
        if self.limits is not None:
            self.limits.add(pod, b.idx)

    def allows(self, pod: int, b: Bin) -> bool:
        """True when the per-node spread limits let ``b`` take ``pod`` (capacity and class aside)."""
        limits = self.limits
        return limits is None or not limits.groups_of[pod] or limits.allows(pod, b)

    def unplace(self, pod: int) -> None:
        """Take ``pod`` off its bin."""
        pr = self.problem
        b = self.bins[self.where[pod]]
        b.remove(pod, pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod])
        if self.limits is not None:
            self.limits.remove(pod, b.idx)
        self.where[pod] = -1

    def moves_pdb(self, pod: int, dest: Bin) -> bool:
        """True when sending ``pod`` (now on its original node) to ``dest`` spends PDB budget."""
        orig = self.problem.pod_orig[pod]
        cur = self.where[pod]
        at_home = orig >= 0 and cur >= 0 and self.bins[cur].existing == orig
        return at_home and dest.existing != orig and self.problem.pod_pdb[pod] >= 0

    def cost(self) -> float:
        """Hourly cost of every active bin."""
        return sum(b.price for b in self.bins if b.active)

    def copy(self) -> Layout:
        """A deep copy (bins are mutable)."""
        bins = []
        for b in self.bins:
            nb = Bin(b.idx, b.labels, b.taints, b.price, b.cap, b.existing, b.offer, b.pinned, b.active)
            nb.free_c, nb.free_m, nb.free_g, nb.free_n = b.free_c, b.free_m, b.free_g, b.free_n
            nb.pods = list(b.pods)
            bins.append(nb)
        limits = None if self.limits is None else self.limits.copy()
        return Layout(self.problem, bins, list(self.where), list(self.pdb_used), list(self.unplaced), limits)
