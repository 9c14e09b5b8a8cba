"""SCRIPT-VOL-01: detach and attach an EBS data volume, each call idempotent by a look at the volume first.

Shared by the executor's capacity scripts (which then wait with the EC2 waiter) and the live switch (whose
state machine polls the attachment in a step of its own, so a Lambda never sleeps through a detach). A
retried step finds the volume already detaching, detached or attached where it should be, and calls nothing.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import dependency_failed


def _volume(ec2: Any, volume_id: str) -> dict[str, Any]:
    try:
        return dict(ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0])
    except ClientError as exc:
        raise dependency_failed(f"describing {volume_id}", exc) from exc


def detach(ec2: Any, volume_id: str, instance_id: str) -> bool:
    """Detach ``volume_id`` from ``instance_id`` unless it is not attached there or already on its way off;
    whether a DetachVolume call was made."""
    attached = [a for a in _volume(ec2, volume_id).get("Attachments") or [] if a.get("InstanceId") == instance_id]
    if not attached or attached[0].get("State") in ("detaching", "detached"):
        return False
    try:
        ec2.detach_volume(VolumeId=volume_id, InstanceId=instance_id)
    except ClientError as exc:
        raise dependency_failed(f"detaching {volume_id} from {instance_id}", exc) from exc
    return True


def attach(ec2: Any, volume_id: str, instance_id: str, device: str) -> bool:
    """Attach ``volume_id`` to ``instance_id`` at ``device`` unless it is attached there already; whether an
    AttachVolume call was made."""
    if any(a.get("InstanceId") == instance_id for a in _volume(ec2, volume_id).get("Attachments") or []):
        return False
    try:
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)
    except ClientError as exc:
        raise dependency_failed(f"attaching {volume_id} to {instance_id} at {device}", exc) from exc
    return True
