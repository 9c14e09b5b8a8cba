"""Right-sizing of cluster workloads: the usage histories in Redis, the folder behind the agent's ``/usage``
and the recommendations behind ``/api/clusters/{id}/rightsizing`` and the projection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive.wiring import configuration, inventory, kernel, pricing
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.cache.usage_histories import RedisUsageHistories
    from spothive.services.workload_sizing import UsageFolder, WorkloadRightSizing


@component
def usage_histories() -> RedisUsageHistories:
    """One Redis hash per cluster, a field per workload (TTL: the 14-day window and a day)."""
    from spothive.adapters.cache.usage_histories import RedisUsageHistories

    return RedisUsageHistories(kernel.cache())


@component
def usage_folder() -> UsageFolder:
    """Folds each accepted usage sample into the workload histories."""
    from spothive.services.workload_sizing import UsageFolder

    return UsageFolder(usage_histories(), kernel.clock())


@component
def workload_rightsizing() -> WorkloadRightSizing:
    """Workload recommendations and the cluster re-packed with them (same catalog, policy and solver as the
    projection)."""
    # imported here: the agent's channel builds the folder from this module and must not load the solver
    from spothive.adapters.solver.highs import HighsSolver
    from spothive.services.workload_sizing import WorkloadRightSizing

    return WorkloadRightSizing(inventory.repo(), usage_histories(), inventory.snapshots(), pricing.catalogs(),
                               policies=configuration.cluster_policies(), solver=HighsSolver())
