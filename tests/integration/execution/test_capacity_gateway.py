"""The executor's capacity calls against moto: EC2 Fleet launches with a fallback ladder, termination,
ASG scaling within min/max, and EBS moves — each safe to repeat."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from spothive.adapters.aws.capacity import CapacityUnavailable, Ec2CapacityGateway
from spothive.domain.errors import InvalidInput
from spothive.domain.execution import Launch, LaunchAttempt, launch_ladder

REGION = "us-east-1"


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        eks = boto3.client("eks", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}")
                   ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
        template = ec2.create_launch_template(LaunchTemplateName="nodes", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "m5.xlarge"})["LaunchTemplate"]["LaunchTemplateId"]
        eks.create_cluster(name="prod", roleArn="arn:aws:iam::123456789012:role/eks",
                           resourcesVpcConfig={"subnetIds": subnets})
        eks.create_nodegroup(clusterName="prod", nodegroupName="general", nodeRole="arn:aws:iam::123456789012:role/n",
                             subnets=subnets, launchTemplate={"id": template})
        gateway = Ec2CapacityGateway(ec2, boto3.client("autoscaling", region_name=REGION), eks,
                                     waiter_delay_s=0, waiter_attempts=5)
        yield gateway, ec2, subnets


def test_a_spot_launch_lands_in_the_planned_zone_and_a_retry_reuses_it(aws: Any) -> None:
    # Given the node group's launch template and subnets
    gateway, ec2, _ = aws
    group = gateway.group_context("prod", "general")
    assert set(group.subnets) == {"us-east-1a", "us-east-1b"}
    ladder = launch_ladder(Launch("job-1.0.0", "c5.xlarge", "spot", "us-east-1b", 0.07), list(group.subnets),
                           ["c6i.xlarge"], on_demand_fallback=True)
    # When it launches the slot twice (a retried step)
    first = gateway.launch("job-1.0.0", ladder, group)
    again = gateway.launch("job-1.0.0", ladder, group)
    # Then one Spot c5.xlarge runs in us-east-1b, tagged for its cluster, and the retry found it
    assert (first.instance_type, first.capacity_type, first.zone) == ("c5.xlarge", "spot", "us-east-1b")
    assert again.instance_id == first.instance_id and again.reused
    running = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert len(running) == 1
    tags = {t["Key"]: t["Value"] for t in running[0]["Tags"]}
    assert tags["eks:cluster-name"] == "prod" and tags["spothive:launch-slot"] == "job-1.0.0"


def test_the_ladder_falls_back_to_on_demand_when_spot_has_no_capacity(aws: Any) -> None:
    # Given EC2 answering every Spot request with InsufficientInstanceCapacity
    gateway, ec2, _ = aws
    real = ec2.create_fleet

    def no_spot(**kwargs: Any) -> Any:
        if kwargs["TargetCapacitySpecification"]["DefaultTargetCapacityType"] == "spot":
            return {"FleetId": "fleet-x", "Instances": [],
                    "Errors": [{"ErrorCode": "InsufficientInstanceCapacity"}]}
        return real(**kwargs)

    ec2.create_fleet = no_spot
    group = gateway.group_context("prod", "general")
    ladder = launch_ladder(Launch("job-2.0.0", "c5.xlarge", "spot", "us-east-1a", 0.07), list(group.subnets),
                           ["c6i.xlarge"], on_demand_fallback=True)
    # When it launches
    launched = gateway.launch("job-2.0.0", ladder, group)
    # Then the zone and family steps failed, the On-Demand fallback ran, and each failure is named
    assert launched.capacity_type == "on-demand"
    assert launched.attempt.startswith("On-Demand fallback")
    assert len(launched.failures) == 3 and all("InsufficientInstanceCapacity" in f for f in launched.failures)


def test_without_the_on_demand_fallback_no_capacity_is_an_error_naming_each_attempt(aws: Any) -> None:
    gateway, ec2, _ = aws
    ec2.create_fleet = lambda **_: {"Instances": [], "Errors": [{"ErrorCode": "InsufficientInstanceCapacity"}]}
    group = gateway.group_context("prod", "general")
    ladder = [LaunchAttempt(("c5.xlarge",), ("us-east-1a",), "spot", "planned")]
    with pytest.raises(CapacityUnavailable, match="planned: InsufficientInstanceCapacity"):
        gateway.launch("job-3.0.0", ladder, group)


def test_terminate_is_idempotent_and_goes_through_the_asg_for_members(aws: Any) -> None:
    # Given a stand-alone instance and an ASG member
    gateway, ec2, subnets = aws
    asg = boto3.client("autoscaling", region_name=REGION)
    asg.create_auto_scaling_group(AutoScalingGroupName="nodes", MinSize=0, MaxSize=4, DesiredCapacity=2,
                                  LaunchTemplate={"LaunchTemplateName": "nodes"}, VPCZoneIdentifier=subnets[0])
    member = asg.describe_auto_scaling_groups()["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    alone = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    # When both are terminated twice
    assert gateway.terminate(alone) in ("shutting-down", "terminated")
    assert gateway.terminate(alone) == "terminated"
    gateway.terminate(member)
    # Then the ASG shrank by one instead of replacing its member
    group = asg.describe_auto_scaling_groups()["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 1
    assert member not in {i["InstanceId"] for i in group["Instances"]}


def test_scaling_an_asg_outside_min_max_is_refused_naming_the_field(aws: Any) -> None:
    gateway, _, subnets = aws
    asg = boto3.client("autoscaling", region_name=REGION)
    asg.create_auto_scaling_group(AutoScalingGroupName="nodes", MinSize=1, MaxSize=3, DesiredCapacity=1,
                                  LaunchTemplate={"LaunchTemplateName": "nodes"}, VPCZoneIdentifier=subnets[0])
    assert gateway.scale_group("nodes", 3) == {"min": 1, "max": 3, "desired": 3}
    with pytest.raises(InvalidInput) as err:
        gateway.scale_group("nodes", 4)
    assert err.value.field == "desired"
    assert asg.describe_auto_scaling_groups()["AutoScalingGroups"][0]["DesiredCapacity"] == 3


def test_a_volume_moves_between_instances_waiting_for_the_detach(aws: Any) -> None:
    gateway, ec2, subnets = aws
    a, b = (ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0])
            ["Instances"][0]["InstanceId"] for _ in range(2))
    volume = ec2.create_volume(Size=10, AvailabilityZone="us-east-1a")["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=a, Device="/dev/sdf")
    assert gateway.detach_volume(volume, a) == "available"
    assert gateway.detach_volume(volume, a) == "available"  # already detached: nothing to do
    assert gateway.attach_volume(volume, b, "/dev/sdf") == "in-use"
    assert gateway.attach_volume(volume, b, "/dev/sdf") == "in-use"
    attachments = ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["Attachments"]
    assert [x["InstanceId"] for x in attachments] == [b]
