"""Clusters, instances and scan records in DynamoDB (every read is a key lookup or a Query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from spothive.adapters.dynamo.models import ClusterModel, InstanceModel, ScanModel
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, ScanRecord, StoredCluster, StoredInstance

SCAN_RETENTION = timedelta(days=30)


class DynamoInventoryRepo:
    """``InventoryRepo`` on the clusters, instances and scans tables."""

    def instance_states(self, org_id: str, account_id: str) -> dict[str, tuple[str, str, str]]:
        return {
            i.instance_key: (i.instance_type, i.lifecycle, i.state)
            for i in InstanceModel.by_account.query(account_id, filter_condition=InstanceModel.org_id == org_id)
        }

    def upsert_instances(self, org_id: str, instances: Sequence[DiscoveredInstance], seen_at: datetime) -> None:
        with InstanceModel.batch_write() as batch:
            for inst in instances:
                batch.save(
                    InstanceModel(
                        org_id,
                        inst.instance_key,
                        account_id=inst.account_id,
                        cluster_id=inst.cluster_id,
                        cluster_name=inst.cluster_name,
                        instance_id=inst.instance_id,
                        region=inst.region,
                        instance_type=inst.instance_type,
                        zone=inst.zone,
                        lifecycle=inst.lifecycle,
                        state=inst.state,
                        launch_time=inst.launch_time,
                        tags=dict(inst.tags),
                        last_seen=seen_at,
                    )
                )

    def delete_instances(self, org_id: str, instance_keys: Sequence[str]) -> None:
        with InstanceModel.batch_write() as batch:
            for key in instance_keys:
                batch.delete(InstanceModel(org_id, key))

    def upsert_clusters(
        self, org_id: str, clusters: Sequence[DiscoveredCluster], node_counts: dict[str, int], seen_at: datetime
    ) -> None:
        # UpdateItem, not PutItem: attributes other writers own (the agent token hash) survive a scan.
        for cluster in clusters:
            ClusterModel(org_id, cluster.cluster_id).update(
                actions=[
                    ClusterModel.account_id.set(cluster.account_id),
                    ClusterModel.name.set(cluster.name),
                    ClusterModel.region.set(cluster.region),
                    ClusterModel.arn.set(cluster.arn),
                    ClusterModel.version.set(cluster.version),
                    ClusterModel.status.set(cluster.status),
                    ClusterModel.nodegroups.set(list(cluster.nodegroups)),
                    ClusterModel.node_count.set(node_counts.get(cluster.cluster_id, 0)),
                    ClusterModel.first_seen.set(ClusterModel.first_seen | seen_at),
                    ClusterModel.last_seen.set(seen_at),
                ]
            )

    def cluster_ids(self, org_id: str, account_id: str) -> list[str]:
        return [
            c.cluster_id
            for c in ClusterModel.by_account.query(account_id, filter_condition=ClusterModel.org_id == org_id)
        ]

    def delete_clusters(self, org_id: str, cluster_ids: Sequence[str]) -> None:
        with ClusterModel.batch_write() as batch:
            for cluster_id in cluster_ids:
                batch.delete(ClusterModel(org_id, cluster_id))

    def list_clusters(self, org_id: str) -> list[StoredCluster]:
        return [_cluster(c) for c in ClusterModel.query(org_id)]

    def get_cluster(self, org_id: str, cluster_id: str) -> StoredCluster | None:
        try:
            return _cluster(ClusterModel.get(org_id, cluster_id))
        except ClusterModel.DoesNotExist:
            return None

    def list_instances(self, org_id: str, cluster_id: str | None = None) -> list[StoredInstance]:
        if cluster_id is None:
            items = InstanceModel.query(org_id)
        else:
            items = InstanceModel.by_cluster.query(cluster_id, filter_condition=InstanceModel.org_id == org_id)
        return [_instance(i) for i in items]

    def record_scan(self, scan: ScanRecord) -> None:
        ScanModel(
            scan.account_id,
            scan.started_at.isoformat(timespec="milliseconds"),
            org_id=scan.org_id,
            finished_at=scan.finished_at,
            status=scan.status,
            clusters=scan.clusters,
            instances=scan.instances,
            added=scan.added,
            removed=scan.removed,
            changed=scan.changed,
            error=scan.error,
            expires_at=scan.finished_at + SCAN_RETENTION,
        ).save()

    def last_scan(self, account_id: str) -> ScanRecord | None:
        for item in ScanModel.query(account_id, scan_index_forward=False, limit=1):
            return ScanRecord(
                org_id=item.org_id,
                account_id=item.account_id,
                started_at=datetime.fromisoformat(item.started_at),
                finished_at=item.finished_at,
                status=item.status,
                clusters=int(item.clusters),
                instances=int(item.instances),
                added=int(item.added),
                removed=int(item.removed),
                changed=int(item.changed),
                error=item.error,
            )
        return None


def _cluster(item: ClusterModel) -> StoredCluster:
    return StoredCluster(
        org_id=item.org_id,
        cluster_id=item.cluster_id,
        account_id=item.account_id,
        name=item.name,
        region=item.region,
        arn=item.arn,
        version=item.version,
        status=item.status,
        nodegroups=tuple(item.nodegroups or ()),
        node_count=int(item.node_count),
        first_seen=item.first_seen,
        last_seen=item.last_seen,
        agent_linked=bool(item.agent_token_hash),
    )


def _instance(item: InstanceModel) -> StoredInstance:
    return StoredInstance(
        org_id=item.org_id,
        instance=DiscoveredInstance(
            account_id=item.account_id,
            region=item.region,
            instance_id=item.instance_id,
            instance_type=item.instance_type,
            zone=item.zone,
            lifecycle=item.lifecycle,
            state=item.state,
            launch_time=item.launch_time,
            cluster_name=item.cluster_name,
            tags=item.tags.as_dict() if item.tags else {},
        ),
        last_seen=item.last_seen,
    )
