"""The executor's capacity calls against moto: EC2 Fleet launches with a fallback ladder, termination,
ASG scaling within min/max, and EBS moves — each safe to repeat.

They run on the suite's shared emulator (never an in-process ``mock_aws``, whose exit would wipe every
other test's resources), so every name is unique to the test and every read is filtered by it."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from spothive.adapters.aws.capacity import CapacityUnavailable, Ec2CapacityGateway
from spothive.domain.errors import InvalidInput
from spothive.domain.execution import Launch, LaunchAttempt, launch_ladder

REGION = "us-east-1"


class World:
    """One test's node group on the shared emulator: unique cluster, template and group names."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.cluster, self.template_name, self.asg_name = f"prod-{tag}", f"nodes-{tag}", f"asg-{tag}"
        self.slot = f"job-{tag}"
        self.ec2 = boto3.client("ec2", region_name=REGION)
        eks = boto3.client("eks", region_name=REGION)
        octet = int(tag[:2], 16)
        vpc = self.ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{i}.0/24",
                                               AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
                        for i, z in enumerate("ab")]
        template = self.ec2.create_launch_template(LaunchTemplateName=self.template_name, LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "m5.xlarge"})["LaunchTemplate"]["LaunchTemplateId"]
        eks.create_cluster(name=self.cluster, roleArn="arn:aws:iam::123456789012:role/eks",
                           resourcesVpcConfig={"subnetIds": self.subnets})
        eks.create_nodegroup(clusterName=self.cluster, nodegroupName="general",
                             nodeRole="arn:aws:iam::123456789012:role/n", subnets=self.subnets,
                             launchTemplate={"id": template})
        self.asg = boto3.client("autoscaling", region_name=REGION)
        self.gateway = Ec2CapacityGateway(self.ec2, self.asg, eks, waiter_delay_s=0, waiter_attempts=5)

    def group(self) -> Any:
        """This test's Auto Scaling group."""
        return self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[self.asg_name])["AutoScalingGroups"][0]


@pytest.fixture
def aws(hub: dict[str, str]) -> Any:
    world = World()
    yield world.gateway, world.ec2, world.subnets, world


def test_a_spot_launch_lands_in_the_planned_zone_and_a_retry_reuses_it(aws: Any) -> None:
    # Given the node group's launch template and subnets
    gateway, ec2, _, world = aws
    group = gateway.group_context(world.cluster, "general")
    assert set(group.subnets) == {"us-east-1a", "us-east-1b"}
    slot = f"{world.slot}.0.0"
    ladder = launch_ladder(Launch(slot, "c5.xlarge", "spot", "us-east-1b", 0.07), list(group.subnets),
                           ["c6i.xlarge"], on_demand_fallback=True)
    # When it launches the slot twice (a retried step)
    first = gateway.launch(slot, ladder, group)
    again = gateway.launch(slot, ladder, group)
    # Then one Spot c5.xlarge runs in us-east-1b, tagged for its cluster, and the retry found it
    assert (first.instance_type, first.capacity_type, first.zone) == ("c5.xlarge", "spot", "us-east-1b")
    assert again.instance_id == first.instance_id and again.reused
    running = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:spothive:launch-slot", "Values": [slot]}])
               ["Reservations"] for i in r["Instances"]]
    assert len(running) == 1
    tags = {t["Key"]: t["Value"] for t in running[0]["Tags"]}
    assert tags["eks:cluster-name"] == world.cluster and tags["spothive:launch-slot"] == slot


def test_the_ladder_falls_back_to_on_demand_when_spot_has_no_capacity(aws: Any) -> None:
    # Given EC2 answering every Spot request with InsufficientInstanceCapacity
    gateway, ec2, _, world = aws
    real = ec2.create_fleet

    def no_spot(**kwargs: Any) -> Any:
        if kwargs["TargetCapacitySpecification"]["DefaultTargetCapacityType"] == "spot":
            return {"FleetId": "fleet-x", "Instances": [],
                    "Errors": [{"ErrorCode": "InsufficientInstanceCapacity"}]}
        return real(**kwargs)

    ec2.create_fleet = no_spot
    group = gateway.group_context(world.cluster, "general")
    ladder = launch_ladder(Launch(f"{world.slot}.0.0", "c5.xlarge", "spot", "us-east-1a", 0.07),
                           list(group.subnets), ["c6i.xlarge"], on_demand_fallback=True)
    # When it launches
    launched = gateway.launch(f"{world.slot}.0.0", ladder, group)
    # Then the zone and family steps failed, the On-Demand fallback ran, and each failure is named
    assert launched.capacity_type == "on-demand"
    assert launched.attempt.startswith("On-Demand fallback")
    assert len(launched.failures) == 3 and all("InsufficientInstanceCapacity" in f for f in launched.failures)


def test_without_the_on_demand_fallback_no_capacity_is_an_error_naming_each_attempt(aws: Any) -> None:
    gateway, ec2, _, world = aws
    ec2.create_fleet = lambda **_: {"Instances": [], "Errors": [{"ErrorCode": "InsufficientInstanceCapacity"}]}
    group = gateway.group_context(world.cluster, "general")
    ladder = [LaunchAttempt(("c5.xlarge",), ("us-east-1a",), "spot", "planned")]
    with pytest.raises(CapacityUnavailable, match="planned: InsufficientInstanceCapacity"):
        gateway.launch(f"{world.slot}.0.0", ladder, group)


def test_terminate_is_idempotent_and_goes_through_the_asg_for_members(aws: Any) -> None:
    # Given a stand-alone instance and an ASG member
    gateway, ec2, subnets, world = aws
    world.asg.create_auto_scaling_group(
        AutoScalingGroupName=world.asg_name, MinSize=0, MaxSize=4, DesiredCapacity=2,
        LaunchTemplate={"LaunchTemplateName": world.template_name}, VPCZoneIdentifier=subnets[0])
    member = world.group()["Instances"][0]["InstanceId"]
    alone = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    # When both are terminated twice
    assert gateway.terminate(alone) in ("shutting-down", "terminated")
    assert gateway.terminate(alone) == "terminated"
    gateway.terminate(member)
    # Then the ASG shrank by one instead of replacing its member
    group = world.group()
    assert group["DesiredCapacity"] == 1
    assert member not in {i["InstanceId"] for i in group["Instances"]}


def test_scaling_an_asg_outside_min_max_is_refused_naming_the_field(aws: Any) -> None:
    gateway, _, subnets, world = aws
    world.asg.create_auto_scaling_group(
        AutoScalingGroupName=world.asg_name, MinSize=1, MaxSize=3, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateName": world.template_name}, VPCZoneIdentifier=subnets[0])
    assert gateway.scale_group(world.asg_name, 3) == {"min": 1, "max": 3, "desired": 3}
    with pytest.raises(InvalidInput) as err:
        gateway.scale_group(world.asg_name, 4)
    assert err.value.field == "desired"
    assert world.group()["DesiredCapacity"] == 3


def test_a_volume_moves_between_instances_waiting_for_the_detach(aws: Any) -> None:
    gateway, ec2, subnets, _ = aws
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
