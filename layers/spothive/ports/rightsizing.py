"""Where right-sizing keeps each cluster's workload usage histories."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from spothive.domain.rightsizing_history import WorkloadHistory

#: Given the stored histories of the keys asked for and how many workloads the cluster holds, the histories to
#: write back.
Fold = Callable[[Mapping[str, WorkloadHistory], int], Mapping[str, WorkloadHistory]]


class UsageHistories(Protocol):
    """Per cluster, one decaying history per workload key (``namespace/owner``)."""

    def fold(self, org_id: str, cluster_id: str, keys: Sequence[str], update: Fold) -> None:
        """Read the histories of ``keys``, apply ``update`` and write its answer, atomically per cluster."""
        ...

    def all(self, org_id: str, cluster_id: str) -> dict[str, WorkloadHistory]:
        """Every workload history of the cluster (one read of its key)."""
        ...
