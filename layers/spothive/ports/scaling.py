"""Scaling a customer's fleet (hibernation): node groups, Auto Scaling groups and stand-alone instances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_targets import AsgState, ScheduledInstance


class NodegroupScaler(Protocol):
    """Reads and sets the size of a cluster's managed node groups in one customer account."""

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]: ...

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None: ...


class FleetScaler(NodegroupScaler, Protocol):
    """Also the cluster's self-managed Auto Scaling groups and the account's scheduled instances."""

    def cluster_asgs(self, region: str, cluster_name: str) -> dict[str, AsgState]:
        """The cluster's Auto Scaling groups, managed node groups' own groups excluded."""
        ...

    def update_asg(self, region: str, name: str, size: NodegroupSize) -> None: ...

    def suspend_processes(self, region: str, name: str, processes: Sequence[str]) -> None: ...

    def resume_processes(self, region: str, name: str, processes: Sequence[str]) -> None: ...

    def scheduled_instances(self, region: str, schedule: str) -> list[ScheduledInstance]:
        """Live instances tagged ``spothive:schedule=<schedule>``."""
        ...

    def stop_instances(self, region: str, instance_ids: Sequence[str], hibernate: bool, dry_run: bool = False) -> None:
        """Stop (or hibernate); ``dry_run`` only checks the call would be allowed."""
        ...

    def start_instances(self, region: str, instance_ids: Sequence[str]) -> None: ...


class ScalingAccess(Protocol):
    """Reaches a customer account through its cross-account role, for scaling."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> FleetScaler: ...
