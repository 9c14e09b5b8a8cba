"""``CapacityCloud`` / ``CapacityGateway`` on EC2, Auto Scaling and EKS in a customer account, and
``TaskCallbacks`` on Step Functions.

Idempotency: a launch tags its instance with its slot (``spothive:launch-slot``) and looks for that tag
before asking for capacity, and sends a ``ClientToken`` derived from the slot and attempt (EC2 returns
the first answer again for the same token); termination and volume moves check the current state first.
Clients use adaptive retries, so throttling is retried with client-side rate limiting.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws import volumes
from spothive.adapters.aws.clients import assumed_session, client, dependency_failed
from spothive.domain.errors import DependencyFailed, InvalidInput
from spothive.domain.execution import LAUNCH_TAG, LaunchAttempt
from spothive.ports.execution import GroupContext, Launched

LOG = logging.getLogger(__name__)
_LIVE = ["pending", "running"]
_GONE = {"shutting-down", "terminated"}
_TOKEN_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class CapacityUnavailable(DependencyFailed):
    """No attempt of the fallback ladder got capacity."""

    code = "capacity_unavailable"


def _failed(action: str, exc: ClientError) -> DependencyFailed:
    return dependency_failed(action, exc)  # type: ignore[no-any-return]


class StsCapacityCloud:
    """Assumes the customer role (with its External ID) and opens an :class:`Ec2CapacityGateway`."""

    def __init__(self, region: str) -> None:
        self._sts: Any = client("sts", region)

    def open(self, role_arn: str, external_id: str, region: str) -> Ec2CapacityGateway:
        session = assumed_session(self._sts, role_arn, external_id, "spothive-executor")
        return Ec2CapacityGateway(client("ec2", region, session), client("autoscaling", region, session),
                                  client("eks", region, session))


class Ec2CapacityGateway:
    """The capacity calls of one customer account and region."""

    def __init__(self, ec2: Any, autoscaling: Any, eks: Any, *, waiter_delay_s: int = 2,
                 waiter_attempts: int = 60) -> None:
        self._ec2, self._asg, self._eks = ec2, autoscaling, eks
        self._waiter = {"Delay": waiter_delay_s, "MaxAttempts": waiter_attempts}

    # ---- node group -------------------------------------------------------------------------------
    def group_context(self, cluster: str, nodegroup: str) -> GroupContext:
        try:
            group = self._eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)["nodegroup"]
        except ClientError as exc:
            raise _failed(f"describing node group {cluster}/{nodegroup}", exc) from exc
        template = group.get("launchTemplate") or {}
        if not template.get("id") and not template.get("name"):
            raise DependencyFailed(f"node group {nodegroup} has no launch template to launch replacements from",
                                   field="launch_template")
        template_id = template.get("id") or self._template_id(str(template["name"]))
        subnets = self._subnet_zones(group.get("subnets") or [])
        asgs = ((group.get("resources") or {}).get("autoScalingGroups") or [])
        return GroupContext(cluster, nodegroup, template_id, str(template.get("version") or "$Latest"), subnets,
                            asgs[0]["name"] if asgs else None,
                            {"eks:cluster-name": cluster, f"kubernetes.io/cluster/{cluster}": "owned",
                             "eks:nodegroup-name": nodegroup})

    def _template_id(self, name: str) -> str:
        found = self._ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"]
        return str(found[0]["LaunchTemplateId"])

    def _subnet_zones(self, subnet_ids: Sequence[str]) -> dict[str, str]:
        if not subnet_ids:
            return {}
        subnets = self._ec2.describe_subnets(SubnetIds=list(subnet_ids))["Subnets"]
        zones: dict[str, str] = {}
        for s in sorted(subnets, key=lambda s: s["SubnetId"]):
            zones.setdefault(s["AvailabilityZone"], s["SubnetId"])
        return zones

    # ---- launch -----------------------------------------------------------------------------------
    def launch(self, slot: str, attempts: Sequence[LaunchAttempt], group: GroupContext) -> Launched:
        existing = self._by_slot(slot)
        if existing is not None:
            return _launched(existing, "already launched for this slot", reused=True)
        failures: list[str] = []
        for number, attempt in enumerate(attempts):
            overrides = [{"InstanceType": t, "SubnetId": group.subnets[z]}
                         for t in attempt.instance_types for z in attempt.zones if z in group.subnets]
            if not overrides:
                failures.append(f"{attempt.why}: no subnet of the node group in {', '.join(attempt.zones)}")
                continue
            request: dict[str, Any] = {
                "Type": "instant",
                "ClientToken": hashlib.sha256(f"{slot}#{number}".encode()).hexdigest()[:64],
                "LaunchTemplateConfigs": [{"LaunchTemplateSpecification": {
                    "LaunchTemplateId": group.launch_template_id, "Version": group.launch_template_version},
                    "Overrides": overrides}],
                "TargetCapacitySpecification": {"TotalTargetCapacity": 1,
                                                "DefaultTargetCapacityType": attempt.capacity_type},
                "TagSpecifications": [{"ResourceType": "instance", "Tags": [
                    {"Key": LAUNCH_TAG, "Value": slot}, *({"Key": k, "Value": v} for k, v in group.tags.items())]}],
            }
            if attempt.capacity_type == "spot":
                request["SpotOptions"] = {"AllocationStrategy": "price-capacity-optimized"}
            else:
                request["OnDemandOptions"] = {"AllocationStrategy": "lowest-price"}
            try:
                answer = self._ec2.create_fleet(**request)
            except ClientError as exc:
                failures.append(f"{attempt.why}: {exc.response.get('Error', {}).get('Code')}")
                continue
            ids = [i for item in answer.get("Instances") or [] for i in item.get("InstanceIds") or []]
            if ids:
                raw = self._describe(ids[0])
                if raw is not None:
                    return _launched(raw, attempt.why, failures=tuple(failures))
            errors = "; ".join(f"{e.get('ErrorCode')}" for e in answer.get("Errors") or []) or "no instance"
            failures.append(f"{attempt.why}: {errors}")
        raise CapacityUnavailable(f"no capacity for {slot}: " + " | ".join(failures), field="launch")

    def _by_slot(self, slot: str) -> dict[str, Any] | None:
        reservations = self._ec2.describe_instances(Filters=[
            {"Name": f"tag:{LAUNCH_TAG}", "Values": [slot]},
            {"Name": "instance-state-name", "Values": _LIVE}])["Reservations"]
        found = [i for r in reservations for i in r["Instances"]]
        return found[0] if found else None

    def _describe(self, instance_id: str) -> dict[str, Any] | None:
        try:
            reservations = self._ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidInstanceID.NotFound":
                return None
            raise _failed(f"describing {instance_id}", exc) from exc
        found = [i for r in reservations for i in r["Instances"]]
        return found[0] if found else None

    # ---- terminate / scale ------------------------------------------------------------------------
    def instance_state(self, instance_id: str) -> str | None:
        raw = self._describe(instance_id)
        return None if raw is None else str(raw["State"]["Name"])

    def terminate(self, instance_id: str) -> str:
        state = self.instance_state(instance_id)
        if state is None or state in _GONE:
            return state or "terminated"
        try:
            members = self._asg.describe_auto_scaling_instances(InstanceIds=[instance_id])["AutoScalingInstances"]
            if members:
                self._asg.terminate_instance_in_auto_scaling_group(InstanceId=instance_id,
                                                                   ShouldDecrementDesiredCapacity=True)
                return "shutting-down"
            changed = self._ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
        except ClientError as exc:
            raise _failed(f"terminating {instance_id}", exc) from exc
        return str(changed["CurrentState"]["Name"])

    def scale_group(self, asg_name: str, desired: int) -> dict[str, int]:
        try:
            groups = self._asg.describe_auto_scaling_groups(AutoScalingGroupNames=[asg_name])["AutoScalingGroups"]
        except ClientError as exc:
            raise _failed(f"describing {asg_name}", exc) from exc
        if not groups:
            raise DependencyFailed(f"auto scaling group {asg_name} not found", field="asg_name")
        group = groups[0]
        low, high = int(group["MinSize"]), int(group["MaxSize"])
        if not low <= desired <= high:
            raise InvalidInput(f"desired {desired} is outside {asg_name}'s min {low} / max {high}", field="desired")
        if int(group["DesiredCapacity"]) != desired:
            try:
                self._asg.update_auto_scaling_group(AutoScalingGroupName=asg_name, DesiredCapacity=desired)
            except ClientError as exc:
                raise _failed(f"scaling {asg_name}", exc) from exc
        return {"min": low, "max": high, "desired": desired}

    # ---- volumes (SCRIPT-VOL-01, then the EC2 waiter) ---------------------------------------------
    def detach_volume(self, volume_id: str, instance_id: str) -> str:
        volumes.detach(self._ec2, volume_id, instance_id)
        self._ec2.get_waiter("volume_available").wait(VolumeIds=[volume_id], WaiterConfig=self._waiter)
        return "available"

    def attach_volume(self, volume_id: str, instance_id: str, device: str) -> str:
        volumes.attach(self._ec2, volume_id, instance_id, device)
        self._ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig=self._waiter)
        return "in-use"


def _launched(raw: Mapping[str, Any], why: str, *, reused: bool = False, failures: tuple[str, ...] = ()) -> Launched:
    return Launched(str(raw["InstanceId"]), str(raw["InstanceType"]),
                    "spot" if raw.get("InstanceLifecycle") == "spot" else "on-demand",
                    str((raw.get("Placement") or {}).get("AvailabilityZone", "")),
                    str(raw.get("PrivateDnsName") or raw["InstanceId"]), why, reused, failures)


class StepFunctionsCallbacks:
    """``TaskCallbacks`` through ``SendTaskSuccess`` / ``SendTaskFailure``."""

    def __init__(self, region: str) -> None:
        self._sfn: Any = client("stepfunctions", region)

    def succeed(self, token: str, output: Mapping[str, Any]) -> bool:
        import json

        return self._send(lambda: self._sfn.send_task_success(taskToken=token, output=json.dumps(output, default=str)))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._send(lambda: self._sfn.send_task_failure(taskToken=token, error=error[:256], cause=cause[:32768]))

    @staticmethod
    def _send(call: Any) -> bool:
        try:
            call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _TOKEN_GONE:
                LOG.info("task token no longer waiting: %s", exc)
                return False
            raise
        return True
