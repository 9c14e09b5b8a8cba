"""What the executor needs to know about a cluster before it acts: the customer account's gateway,
the cluster's node group, its disruption budget and whether it may fall back to On-Demand."""

from __future__ import annotations

from spothive.domain.errors import NotFound
from spothive.domain.execution import DisruptionBudget
from spothive.ports.configuration import PolicyRepo
from spothive.ports.execution import CapacityCloud, CapacityGateway
from spothive.ports.inventory import InventoryRepo
from spothive.ports.tenancy import TenancyRepo


class ClusterAccess:
    """Opens the customer account of a cluster through its verified role."""

    def __init__(self, inventory: InventoryRepo, tenancy: TenancyRepo, cloud: CapacityCloud,
                 policies: PolicyRepo | None = None) -> None:
        self._inventory, self._tenancy, self._cloud, self._policies = inventory, tenancy, cloud, policies

    def gateway(self, org_id: str, cluster_id: str) -> tuple[CapacityGateway, str, str]:
        """``(gateway, cluster name, node group)``; ``NotFound`` without a cluster, node group or verified role."""
        cluster = self._inventory.get_cluster(org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        if not cluster.nodegroups:
            raise NotFound(f"cluster {cluster.name} has no managed node group to launch into", field="nodegroup")
        account = self._tenancy.get_account(org_id, cluster.account_id)
        if account is None or not account.role_arn:
            raise NotFound(f"account {cluster.account_id} of cluster {cluster_id} has no verified role",
                           field="account_id")
        gateway = self._cloud.open(account.role_arn, account.external_id or "", cluster.region)
        return gateway, cluster.name, cluster.nodegroups[0]

    def budget(self, org_id: str, cluster_id: str) -> tuple[DisruptionBudget, bool]:
        """The cluster policy's disruption budget and On-Demand fallback (defaults without a policy)."""
        doc = self._policies.get(org_id, cluster_id) if self._policies is not None else None
        if doc is None:
            return DisruptionBudget(), True
        return doc.disruption_budget, doc.fallback_enabled
