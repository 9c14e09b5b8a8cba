"""The EC2 capacity adapter under throttling (botocore Stubber): a terminate EC2 refuses with Throttling or
RequestLimitExceeded surfaces as ``DependencyFailed`` naming the code (what the state machine retries),
and a terminate of an instance already going away makes no second TerminateInstances call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from spothive.adapters.aws.capacity import Ec2CapacityGateway
from spothive.domain.errors import DependencyFailed

IID = "i-0123456789abcdef0"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any, Stubber, Stubber]]:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    ec2, asg = session.client("ec2"), session.client("autoscaling")
    with Stubber(ec2) as ec2_stub, Stubber(asg) as asg_stub:
        yield ec2, asg, ec2_stub, asg_stub
        ec2_stub.assert_no_pending_responses()
        asg_stub.assert_no_pending_responses()


def described(state: str) -> dict[str, Any]:
    return {"Reservations": [{"Instances": [{"InstanceId": IID, "State": {"Name": state, "Code": 16}}]}]}


@pytest.mark.parametrize("code", ["Throttling", "RequestLimitExceeded"])
def test_a_throttled_terminate_is_a_dependency_failure_naming_the_code(clients, code: str) -> None:
    ec2, asg, ec2_stub, asg_stub = clients
    ec2_stub.add_response("describe_instances", described("running"), {"InstanceIds": [IID]})
    asg_stub.add_response("describe_auto_scaling_instances", {"AutoScalingInstances": []}, {"InstanceIds": [IID]})
    ec2_stub.add_client_error("terminate_instances", service_error_code=code, service_message="Rate exceeded",
                              http_status_code=400 if code == "Throttling" else 503,
                              expected_params={"InstanceIds": [IID]})
    gateway = Ec2CapacityGateway(ec2, asg, eks=None)

    with pytest.raises(DependencyFailed) as failed:
        gateway.terminate(IID)

    assert type(failed.value) is DependencyFailed  # the name the state machine's Retry lists
    assert failed.value.message == f"terminating {IID} failed: {code}: Rate exceeded"


@pytest.mark.parametrize("state", ["shutting-down", "terminated"])
def test_terminating_again_an_instance_already_going_away_calls_nothing(clients, state: str) -> None:
    ec2, asg, ec2_stub, _ = clients
    ec2_stub.add_response("describe_instances", described(state), {"InstanceIds": [IID]})
    gateway = Ec2CapacityGateway(ec2, asg, eks=None)

    assert gateway.terminate(IID) == state  # the Stubber fails on any TerminateInstances call
