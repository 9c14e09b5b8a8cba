"""``SwitchCloud`` / ``SwitchGateway`` on EC2 in a customer account (assumed role) for the live switch."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client
from spothive.domain.errors import DependencyFailed
from spothive.domain.switch import InstanceFacts


def _failed(action: str, exc: ClientError) -> DependencyFailed:
    error = exc.response.get("Error", {})
    return DependencyFailed(f"{action} failed: {error.get('Code')}: {error.get('Message')}")


class StsSwitchCloud:
    """Opens a gateway through the customer role (with its External ID when one is set)."""

    def __init__(self, region: str) -> None:
        self._sts: Any = client("sts", region)

    def open(self, role_arn: str, external_id: str, region: str) -> Ec2SwitchGateway:
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "spothive-live-switch",
                                  "DurationSeconds": 900}
        if external_id:
            kwargs["ExternalId"] = external_id
        try:
            creds = self._sts.assume_role(**kwargs)["Credentials"]
        except ClientError as exc:
            raise _failed(f"assuming {role_arn}", exc) from exc
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"])
        return Ec2SwitchGateway(client("ec2", region, session))


class Ec2SwitchGateway:
    """The EC2 calls of one live switch."""

    def __init__(self, ec2: Any) -> None:
        self._ec2 = ec2

    def describe(self, instance_id: str) -> InstanceFacts:
        try:
            reservations = self._ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        except ClientError as exc:
            raise _failed(f"describing {instance_id}", exc) from exc
        raw = reservations[0]["Instances"][0]
        root = raw.get("RootDeviceName", "/dev/xvda")
        volume = next((m["Ebs"]["VolumeId"] for m in raw.get("BlockDeviceMappings", [])
                       if m.get("DeviceName") == root and "Ebs" in m), None)
        return InstanceFacts(
            instance_id=raw["InstanceId"], state=raw["State"]["Name"], instance_type=raw["InstanceType"],
            image_id=raw["ImageId"], subnet_id=raw.get("SubnetId", ""),
            zone=raw.get("Placement", {}).get("AvailabilityZone", ""),
            lifecycle="spot" if raw.get("InstanceLifecycle") == "spot" else "on-demand",
            root_device=root, root_volume_id=volume,
        )

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

    def snapshot_root(self, volume_id: str, description: str) -> str:
        try:
            return str(self._ec2.create_snapshot(VolumeId=volume_id, Description=description)["SnapshotId"])
        except ClientError as exc:
            raise _failed(f"snapshotting {volume_id}", exc) from exc

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        kwargs: dict[str, Any] = {
            "ImageId": facts.image_id, "InstanceType": facts.instance_type, "MinCount": 1, "MaxCount": 1,
            "ClientToken": token[:64], "InstanceMarketOptions": {"MarketType": "spot"},
            # the customer role only lets SpotHive launch what it tags as managed
            "TagSpecifications": [
                {"ResourceType": kind, "Tags": [
                    {"Key": "spothive:managed", "Value": "true"},
                    {"Key": "spothive:live-switch-of", "Value": facts.instance_id}]}
                for kind in ("instance", "volume")
            ],
        }
        if facts.subnet_id:
            kwargs["SubnetId"] = facts.subnet_id
        if snapshot_id:
            kwargs["BlockDeviceMappings"] = [{"DeviceName": facts.root_device,
                                              "Ebs": {"SnapshotId": snapshot_id, "DeleteOnTermination": True}}]
        try:
            return str(self._ec2.run_instances(**kwargs)["Instances"][0]["InstanceId"])
        except ClientError as exc:
            raise _failed(f"launching Spot {facts.instance_type}", exc) from exc
