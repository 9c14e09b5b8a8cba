"""``SwitchCloud`` / ``SwitchGateway`` on EC2 in a customer account (assumed role) for the live switch."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws import volumes
from spothive.adapters.aws.clients import assumed_session, client, dependency_failed
from spothive.domain.errors import DependencyFailed
from spothive.domain.switch import DataVolume, InstanceFacts

#: How bad each EC2 status-check state is; the worse of the instance and system checks is reported.
_HEALTH_ORDER = ("ok", "not-applicable", "initializing", "insufficient-data", "impaired")


def _failed(action: str, exc: ClientError) -> DependencyFailed:
    return dependency_failed(action, exc)  # type: ignore[no-any-return]


class StsSwitchCloud:
    """Opens a gateway through the customer role (with its External ID when one is set)."""

    def __init__(self, region: str) -> None:
        self._sts: Any = client("sts", region)

    def open(self, role_arn: str, external_id: str, region: str) -> Ec2SwitchGateway:
        session = assumed_session(self._sts, role_arn, external_id, "spothive-live-switch")
        return Ec2SwitchGateway(client("ec2", region, session))


def facts_of(raw: dict[str, Any]) -> InstanceFacts:
    """``InstanceFacts`` of one ``DescribeInstances`` instance (user data is a separate call)."""
    root = raw.get("RootDeviceName", "/dev/xvda")
    ebs = [m for m in raw.get("BlockDeviceMappings", []) if "Ebs" in m]
    volume = next((m["Ebs"]["VolumeId"] for m in ebs if m.get("DeviceName") == root), None)
    data = tuple(DataVolume(m["Ebs"]["VolumeId"], m["DeviceName"], bool(m["Ebs"].get("DeleteOnTermination")))
                 for m in ebs if m.get("DeviceName") != root)
    return InstanceFacts(
        instance_id=raw["InstanceId"], state=raw["State"]["Name"], instance_type=raw["InstanceType"],
        image_id=raw["ImageId"], subnet_id=raw.get("SubnetId", ""),
        zone=raw.get("Placement", {}).get("AvailabilityZone", ""),
        lifecycle="spot" if raw.get("InstanceLifecycle") == "spot" else "on-demand",
        root_device=root, root_volume_id=volume,
        security_group_ids=tuple(g["GroupId"] for g in raw.get("SecurityGroups", [])),
        instance_profile_arn=(raw.get("IamInstanceProfile") or {}).get("Arn"),
        key_name=raw.get("KeyName") or None,
        tags=tuple(sorted((t["Key"], t["Value"]) for t in raw.get("Tags", []))),
        data_volumes=data,
    )


def launch_request(facts: InstanceFacts, snapshot_id: str | None, token: str) -> dict[str, Any]:
    """The ``RunInstances`` arguments of the Spot replacement of ``facts``."""
    # the customer role only lets SpotHive launch what it tags as managed
    instance_tags = [{"Key": k, "Value": v} for k, v in facts.carried_tags()]
    switch_tags = [{"Key": "spothive:managed", "Value": "true"},
                   {"Key": "spothive:live-switch-of", "Value": facts.instance_id}]
    kwargs: dict[str, Any] = {
        "ImageId": facts.image_id, "InstanceType": facts.instance_type, "MinCount": 1, "MaxCount": 1,
        "ClientToken": token[:64], "InstanceMarketOptions": {"MarketType": "spot"},
        "TagSpecifications": [{"ResourceType": "instance", "Tags": instance_tags + switch_tags},
                              {"ResourceType": "volume", "Tags": switch_tags}],
    }
    if facts.subnet_id:
        kwargs["SubnetId"] = facts.subnet_id
    elif facts.zone:
        kwargs["Placement"] = {"AvailabilityZone": facts.zone}
    if facts.security_group_ids:
        kwargs["SecurityGroupIds"] = list(facts.security_group_ids)
    if facts.instance_profile_arn:
        kwargs["IamInstanceProfile"] = {"Arn": facts.instance_profile_arn}
    if facts.key_name:
        kwargs["KeyName"] = facts.key_name
    if facts.user_data:
        # boto3 base64-encodes UserData itself: hand it the original bytes
        kwargs["UserData"] = base64.b64decode(facts.user_data)
    if snapshot_id:
        kwargs["BlockDeviceMappings"] = [{"DeviceName": facts.root_device,
                                          "Ebs": {"SnapshotId": snapshot_id, "DeleteOnTermination": True}}]
    return kwargs


class Ec2SwitchGateway:
    """The EC2 calls of one live switch."""

    def __init__(self, ec2: Any) -> None:
        self._ec2 = ec2

    def describe(self, instance_id: str) -> InstanceFacts:
        try:
            reservations = self._ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        except ClientError as exc:
            raise _failed(f"describing {instance_id}", exc) from exc
        return facts_of(reservations[0]["Instances"][0])

    def user_data(self, instance_id: str) -> str | None:
        try:
            answer = self._ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        except ClientError as exc:
            raise _failed(f"reading the user data of {instance_id}", exc) from exc
        value = (answer.get("UserData") or {}).get("Value")
        return str(value) if value else None

    def stop(self, instance_id: str) -> str:
        try:
            changed = self._ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
        except ClientError as exc:
            raise _failed(f"stopping {instance_id}", exc) from exc
        return str(changed["CurrentState"]["Name"])

    def start(self, instance_id: str) -> str:
        try:
            changed = self._ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
        except ClientError as exc:
            raise _failed(f"starting {instance_id}", exc) from exc
        return str(changed["CurrentState"]["Name"])

    def terminate(self, instance_id: str) -> str:
        try:
            changed = self._ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
        except ClientError as exc:
            raise _failed(f"terminating {instance_id}", exc) from exc
        return str(changed["CurrentState"]["Name"])

    def snapshot_root(self, volume_id: str, description: str) -> str:
        try:
            return str(self._ec2.create_snapshot(VolumeId=volume_id, Description=description)["SnapshotId"])
        except ClientError as exc:
            raise _failed(f"snapshotting {volume_id}", exc) from exc

    def detach_volume(self, volume_id: str, instance_id: str) -> None:
        volumes.detach(self._ec2, volume_id, instance_id)  # the state machine polls until it is detached

    def attach_volume(self, volume_id: str, instance_id: str, device: str) -> None:
        volumes.attach(self._ec2, volume_id, instance_id, device)

    def volume_attachments(self, volume_ids: Sequence[str]) -> dict[str, str | None]:
        if not volume_ids:
            return {}
        try:
            volumes = self._ec2.describe_volumes(VolumeIds=list(volume_ids))["Volumes"]
        except ClientError as exc:
            raise _failed(f"describing volumes {', '.join(volume_ids)}", exc) from exc
        out: dict[str, str | None] = {}
        for volume in volumes:
            attached = [a["InstanceId"] for a in volume.get("Attachments", [])
                        if a.get("State") in ("attaching", "attached", "busy")]
            out[volume["VolumeId"]] = attached[0] if attached and volume.get("State") != "available" else None
        return out

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        try:
            return str(self._ec2.run_instances(**launch_request(facts, snapshot_id, token))["Instances"][0]
                       ["InstanceId"])
        except ClientError as exc:
            raise _failed(f"launching Spot {facts.instance_type}", exc) from exc

    def health(self, instance_id: str) -> str:
        try:
            statuses = self._ec2.describe_instance_status(InstanceIds=[instance_id],
                                                          IncludeAllInstances=True)["InstanceStatuses"]
        except ClientError as exc:
            raise _failed(f"reading the status checks of {instance_id}", exc) from exc
        if not statuses:
            return "insufficient-data"
        checks = [statuses[0].get(k, {}).get("Status", "insufficient-data") for k in ("InstanceStatus", "SystemStatus")]
        return max(checks, key=lambda s: _HEALTH_ORDER.index(s) if s in _HEALTH_ORDER else len(_HEALTH_ORDER))

    def tag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        try:
            self._ec2.create_tags(Resources=[instance_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        except ClientError as exc:
            raise _failed(f"tagging {instance_id}", exc) from exc

    def untag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        # DeleteTags with a Value removes the tag only while it still has that value
        try:
            self._ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        except ClientError as exc:
            raise _failed(f"untagging {instance_id}", exc) from exc
