"""SCRIPT-VOL-01 on a stubbed EC2 client (botocore Stubber): a detach or attach a retried step repeats makes no
second call, and a refusal surfaces as ``DependencyFailed`` naming the volume and the AWS code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from spothive.adapters.aws import volumes
from spothive.adapters.aws.clients import Session
from spothive.domain.errors import DependencyFailed

VOL, OLD, NEW = "vol-0123456789abcdef0", "i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = Session(aws_access_key_id="x", aws_secret_access_key="x").client("ec2", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def volume(*attachments: tuple[str, str]) -> dict[str, Any]:
    return {"Volumes": [{"VolumeId": VOL, "Attachments": [
        {"VolumeId": VOL, "InstanceId": i, "State": s, "Device": "/dev/sdf"} for i, s in attachments]}]}


def test_a_detach_is_called_once_then_a_retry_finds_it_detaching(ec2) -> None:
    client, stub = ec2
    stub.add_response("describe_volumes", volume((OLD, "attached")), {"VolumeIds": [VOL]})
    stub.add_response("detach_volume", {"State": "detaching"}, {"VolumeId": VOL, "InstanceId": OLD})
    stub.add_response("describe_volumes", volume((OLD, "detaching")), {"VolumeIds": [VOL]})

    assert volumes.detach(client, VOL, OLD) is True
    assert volumes.detach(client, VOL, OLD) is False  # the retried step: DescribeVolumes only


def test_an_attach_already_on_the_new_instance_is_not_repeated(ec2) -> None:
    client, stub = ec2
    stub.add_response("describe_volumes", volume(), {"VolumeIds": [VOL]})
    stub.add_response("attach_volume", {"State": "attaching"}, {"VolumeId": VOL, "InstanceId": NEW, "Device": "/dev/sdf"})
    stub.add_response("describe_volumes", volume((NEW, "attaching")), {"VolumeIds": [VOL]})

    assert volumes.attach(client, VOL, NEW, "/dev/sdf") is True
    assert volumes.attach(client, VOL, NEW, "/dev/sdf") is False


def test_a_refused_attach_names_the_volume_and_the_code(ec2) -> None:
    client, stub = ec2
    stub.add_response("describe_volumes", volume(), {"VolumeIds": [VOL]})
    stub.add_client_error("attach_volume", service_error_code="IncorrectState", service_message="volume is busy")

    with pytest.raises(DependencyFailed, match=f"attaching {VOL} to {NEW} at /dev/sdf failed: IncorrectState"):
        volumes.attach(client, VOL, NEW, "/dev/sdf")
