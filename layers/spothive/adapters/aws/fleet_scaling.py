"""Hibernation's writes beyond EKS node groups: Auto Scaling groups and stand-alone EC2 instances."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import Session, client, dependency_failed
from spothive.domain.errors import DependencyFailed
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_targets import (
    MANAGED_NODEGROUP_TAG,
    SCHEDULE_TAG,
    AsgState,
    ScheduledInstance,
    role_may_scale,
)
from spothive.domain.inventory import CLUSTER_TAG_PREFIX

#: StopInstances and StartInstances take at most this many ids a call.
_BATCH = 1000
_LIVE = ["pending", "running", "stopping", "stopped"]


def _failed(action: str, exc: ClientError) -> DependencyFailed:
    return dependency_failed(action, exc)  # type: ignore[no-any-return]


class FleetScalingMixin:
    """``FleetScaler``'s Auto Scaling and EC2 calls on an assumed session (``self._session``)."""

    _session: Session

    def cluster_asgs(self, region: str, cluster_name: str) -> dict[str, AsgState]:
        """Groups tagged ``kubernetes.io/cluster/<name>`` (self-managed nodes), EKS-managed ones left out."""
        asg: Any = client("autoscaling", region, self._session)
        pages = asg.get_paginator("describe_auto_scaling_groups").paginate(
            Filters=[{"Name": "tag-key", "Values": [f"{CLUSTER_TAG_PREFIX}{cluster_name}"]}])
        found: dict[str, AsgState] = {}
        try:
            for page in pages:
                for group in page["AutoScalingGroups"]:
                    tags = {t["Key"]: t.get("Value", "") for t in group.get("Tags", [])}
                    if MANAGED_NODEGROUP_TAG in tags:
                        continue
                    found[group["AutoScalingGroupName"]] = AsgState(
                        NodegroupSize(int(group["MinSize"]), int(group["MaxSize"]), int(group["DesiredCapacity"])),
                        tuple(sorted(p["ProcessName"] for p in group.get("SuspendedProcesses", []))),
                        role_may_scale(tags),
                    )
        except ClientError as exc:
            raise _failed(f"listing the Auto Scaling groups of cluster {cluster_name}", exc) from exc
        return found

    def update_asg(self, region: str, name: str, size: NodegroupSize) -> None:
        """UpdateAutoScalingGroup with all three values at once (they are validated together)."""
        asg: Any = client("autoscaling", region, self._session)
        try:
            asg.update_auto_scaling_group(AutoScalingGroupName=name, MinSize=size.min_size, MaxSize=size.max_size,
                                          DesiredCapacity=size.desired_size)
        except ClientError as exc:
            raise _failed(f"scaling Auto Scaling group {name}", exc) from exc

    def suspend_processes(self, region: str, name: str, processes: Sequence[str]) -> None:
        """SuspendProcesses of exactly ``processes`` (an empty list would suspend them all: never sent)."""
        if not processes:
            return
        asg: Any = client("autoscaling", region, self._session)
        try:
            asg.suspend_processes(AutoScalingGroupName=name, ScalingProcesses=list(processes))
        except ClientError as exc:
            raise _failed(f"suspending processes of {name}", exc) from exc

    def resume_processes(self, region: str, name: str, processes: Sequence[str]) -> None:
        """ResumeProcesses of exactly ``processes`` (an empty list would resume them all: never sent)."""
        if not processes:
            return
        asg: Any = client("autoscaling", region, self._session)
        try:
            asg.resume_processes(AutoScalingGroupName=name, ScalingProcesses=list(processes))
        except ClientError as exc:
            raise _failed(f"resuming processes of {name}", exc) from exc

    def scheduled_instances(self, region: str, schedule: str) -> list[ScheduledInstance]:
        """DescribeInstances filtered on the schedule tag, page by page."""
        ec2: Any = client("ec2", region, self._session)
        pages = ec2.get_paginator("describe_instances").paginate(Filters=[
            {"Name": f"tag:{SCHEDULE_TAG}", "Values": [schedule]},
            {"Name": "instance-state-name", "Values": _LIVE}])
        try:
            return [
                ScheduledInstance(raw["InstanceId"], region, raw.get("State", {}).get("Name", "unknown"),
                                  bool(raw.get("HibernationOptions", {}).get("Configured", False)))
                for page in pages for reservation in page["Reservations"] for raw in reservation["Instances"]
            ]
        except ClientError as exc:
            raise _failed(f"listing the instances of schedule {schedule} in {region}", exc) from exc

    def stop_instances(self, region: str, instance_ids: Sequence[str], hibernate: bool, dry_run: bool = False) -> None:
        """StopInstances in batches; with ``dry_run`` a ``DryRunOperation`` answer means allowed."""
        ec2: Any = client("ec2", region, self._session)
        for batch in _batches(instance_ids):
            try:
                ec2.stop_instances(InstanceIds=batch, Hibernate=hibernate, DryRun=dry_run)
            except ClientError as exc:
                if dry_run and exc.response["Error"]["Code"] == "DryRunOperation":
                    continue
                raise _failed(f"stopping {len(batch)} instances in {region}", exc) from exc

    def start_instances(self, region: str, instance_ids: Sequence[str]) -> None:
        """StartInstances in batches."""
        ec2: Any = client("ec2", region, self._session)
        for batch in _batches(instance_ids):
            try:
                ec2.start_instances(InstanceIds=batch)
            except ClientError as exc:
                raise _failed(f"starting {len(batch)} instances in {region}", exc) from exc


def _batches(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield list(ids[start:start + _BATCH])
