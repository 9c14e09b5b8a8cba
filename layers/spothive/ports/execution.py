"""What the executor needs from the cloud and from Step Functions: capacity changes in a customer account
(launch, terminate, scale, move volumes) and the task-token callbacks of the workflow's waits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spothive.domain.execution import LaunchAttempt


@dataclass(frozen=True, slots=True)
class GroupContext:
    """Where a node group's nodes come from: its launch template, a subnet per zone, its ASG."""

    cluster: str
    nodegroup: str
    launch_template_id: str
    launch_template_version: str
    subnets: Mapping[str, str]
    asg_name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Launched:
    """One instance a launch brought up (or found already up for its slot)."""

    instance_id: str
    instance_type: str
    capacity_type: str
    zone: str
    private_dns_name: str
    attempt: str
    reused: bool = False
    failures: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on the job."""
        return {"instance_id": self.instance_id, "instance_type": self.instance_type,
                "capacity_type": self.capacity_type, "zone": self.zone, "node": self.private_dns_name,
                "attempt": self.attempt, "reused": self.reused, "failures": list(self.failures)}


class CapacityGateway(Protocol):
    """The EC2 / Auto Scaling / EKS calls of one customer account and region (idempotent each)."""

    def group_context(self, cluster: str, nodegroup: str) -> GroupContext:
        """The node group's launch template, subnets by zone and ASG (``DependencyFailed`` without a template)."""
        ...

    def launch(self, slot: str, attempts: Sequence[LaunchAttempt], group: GroupContext) -> Launched:
        """Bring up one instance for ``slot`` by the first attempt that gets capacity; an instance already
        tagged with the slot is returned instead (a retried step launches nothing twice)."""
        ...

    def terminate(self, instance_id: str) -> str:
        """Terminate (an ASG member through its group, decrementing desired); the resulting state."""
        ...

    def scale_group(self, asg_name: str, desired: int) -> dict[str, int]:
        """Set an ASG's desired capacity within its min/max (``InvalidInput`` outside them)."""
        ...

    def detach_volume(self, volume_id: str, instance_id: str) -> str:
        """Detach and wait until the volume is available (a detached one is left as it is)."""
        ...

    def attach_volume(self, volume_id: str, instance_id: str, device: str) -> str:
        """Attach and wait until in use (already attached there: nothing to do)."""
        ...

    def instance_state(self, instance_id: str) -> str | None:
        """The instance's state name, ``None`` when EC2 does not know it."""
        ...


class CapacityCloud(Protocol):
    """Opens a gateway into a customer account through its role and External ID."""

    def open(self, role_arn: str, external_id: str, region: str) -> CapacityGateway: ...


class TaskCallbacks(Protocol):
    """Step Functions task tokens: resume a waiting state with an output or an error."""

    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        """Resume with ``output``; False when the token is no longer waiting (timed out, already resumed)."""
        ...

    def fail(self, token: str, error: str, cause: str) -> bool:
        """Fail the waiting state with ``error``; False when the token is no longer waiting."""
        ...


class SafeModeSwitches(Protocol):
    """SAFE_MODE at three levels: ``global``, ``org:{org_id}``, ``cluster:{org_id}:{cluster_id}``."""

    def get(self, scope: str) -> bool | None:
        """The switch of ``scope`` (``None``: never set); ``ServiceUnavailable`` when unreadable."""
        ...

    def set(self, scope: str, on: bool) -> None: ...
