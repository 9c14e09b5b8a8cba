"""Scaling a customer's node groups (hibernation)."""

from __future__ import annotations

from typing import Protocol

from spothive.domain.hibernation import NodegroupSize


class NodegroupScaler(Protocol):
    """Reads and sets the size of a cluster's managed node groups in one customer account."""

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]: ...

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None: ...


class ScalingAccess(Protocol):
    """Reaches a customer account through its cross-account role, for scaling."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> NodegroupScaler: ...
