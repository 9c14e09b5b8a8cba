"""Inventory: the discovered clusters and instances, and the clusters' pod snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import SnapshotSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo
    from spothive.adapters.dynamo.utilization_repo import DynamoUtilizationRepo
    from spothive.ports.inventory import SnapshotStore
    from spothive.services.clusters import ClusterService


@component
def repo() -> DynamoInventoryRepo:
    """Clusters, instances and scan records."""
    from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo

    kernel.core()
    return DynamoInventoryRepo()


@component
def snapshots() -> SnapshotStore:
    """The latest snapshot per cluster: S3 when a data bucket is set, else process memory (local only)."""
    from spothive.adapters.aws.snapshot_store import S3SnapshotStore
    from spothive.adapters.memory.snapshot_store import MemorySnapshotStore

    bucket = settings.load(SnapshotSettings).data_bucket
    if bucket:
        return S3SnapshotStore(bucket, kernel.core().region)
    return MemorySnapshotStore()


@component
def utilization() -> DynamoUtilizationRepo:
    """CPU histograms per instance (CloudWatch)."""
    from spothive.adapters.dynamo.utilization_repo import DynamoUtilizationRepo

    kernel.core()
    return DynamoUtilizationRepo()


@component
def clusters() -> ClusterService:
    """The cluster list and details."""
    from spothive.adapters.cache.heartbeats import RedisHeartbeats
    from spothive.services.clusters import ClusterService

    return ClusterService(repo(), RedisHeartbeats(kernel.cache()), kernel.clock())
