"""A demo customer inside the emulator: an EKS cluster of mixed On-Demand and Spot nodes.

Used by the local stack's demo and by the integration tests, so both exercise the same inventory.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import boto3

#: (instance type, capacity type, zone suffix): ~20 nodes over several families, as an EKS cluster has.
DEMO_NODES: tuple[tuple[str, str, str], ...] = (
    *(("m5.xlarge", "on-demand", z) for z in "abcabc"),
    *(("m5.2xlarge", "on-demand", z) for z in "ab"),
    *(("c5.2xlarge", "on-demand", z) for z in "abc"),
    *(("r5.xlarge", "on-demand", z) for z in "ab"),
    *(("c6g.xlarge", "spot", z) for z in "abc"),
    *(("m6i.large", "spot", z) for z in "ab"),
    ("t3.large", "on-demand", "a"),
    ("g4dn.xlarge", "on-demand", "a"),
)


#: An EKS-optimized AMI id of the kind node groups launch (the emulator does not resolve it).
EKS_NODE_AMI = "ami-0c02fb55956c7d316"


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """What was created for the demo customer."""

    aws_account_id: str
    role_arn: str
    cluster_name: str
    region: str
    instance_ids: list[str]
    asg_name: str | None = None
    scheduled_ids: tuple[str, ...] = ()


def customer_session(aws_account_id: str, role_name: str = "SpotHiveAccess") -> boto3.Session:
    """A session acting inside the customer's account (the emulator maps assumed roles to accounts)."""
    sts: Any = boto3.client("sts", region_name="us-east-1")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{aws_account_id}:role/{role_name}", RoleSessionName="demo-seed"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def seed_customer(
    aws_account_id: str,
    cluster_name: str = "prod-east",
    region: str = "us-east-1",
    nodes: tuple[tuple[str, str, str], ...] = DEMO_NODES,
    extra_standalone: int = 2,
    asg_nodes: int = 0,
    scheduled: tuple[str, ...] = (),
) -> DemoCustomer:
    """Create the customer role, an EKS cluster with a node group, its nodes and a few non-cluster instances.

    ``asg_nodes`` > 0 adds a self-managed node group: an Auto Scaling group of that many ``m5.large`` nodes
    tagged for the cluster. ``scheduled`` adds one stand-alone ``t3.medium`` per name, tagged
    ``spothive:schedule=<name>`` (the first configured for EC2 hibernation).
    """
    session = customer_session(aws_account_id)
    iam: Any = session.client("iam", region_name=region)
    role_name = "SpotHiveAccess"
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    ec2: Any = session.client("ec2", region_name=region)
    eks: Any = session.client("eks", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = {
        z: ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{region}{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("abc")
    }
    eks.create_cluster(
        name=cluster_name, version="1.31", roleArn=f"arn:aws:iam::{aws_account_id}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": list(subnets.values())},
    )
    image = EKS_NODE_AMI
    # the node group's launch template: what SpotHive's replacements launch from (EC2 Fleet)
    template = ec2.create_launch_template(
        LaunchTemplateName=f"{cluster_name}-general", LaunchTemplateData={"ImageId": image, "InstanceType": "m5.xlarge"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    eks.create_nodegroup(
        clusterName=cluster_name, nodegroupName="general", nodeRole=f"arn:aws:iam::{aws_account_id}:role/eks-node",
        subnets=list(subnets.values()), launchTemplate={"id": template, "version": "1"},
    )
    ids: list[str] = []
    for n, (itype, capacity, zone) in enumerate(nodes):
        kwargs: dict[str, Any] = {
            "ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": itype, "SubnetId": subnets[zone],
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [
                {"Key": "eks:cluster-name", "Value": cluster_name},
                {"Key": f"kubernetes.io/cluster/{cluster_name}", "Value": "owned"},
                {"Key": "Name", "Value": f"{cluster_name}-node-{n:02d}"},
            ]}],
        }
        if capacity == "spot":
            kwargs["InstanceMarketOptions"] = {"MarketType": "spot"}
        ids.append(ec2.run_instances(**kwargs)["Instances"][0]["InstanceId"])
    for n in range(extra_standalone):
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=subnets["a"],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": f"bastion-{n}"}]}],
        )
    asg_name = _self_managed_group(session, region, cluster_name, subnets, asg_nodes) if asg_nodes else None
    scheduled_ids = tuple(
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=subnets["b"],
            HibernationOptions={"Configured": n == 0},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "Name", "Value": f"{schedule}-{n}"}, {"Key": "spothive:schedule", "Value": schedule}]}],
        )["Instances"][0]["InstanceId"]
        for n, schedule in enumerate(scheduled)
    )
    return DemoCustomer(aws_account_id, f"arn:aws:iam::{aws_account_id}:role/{role_name}", cluster_name, region, ids,
                        asg_name, scheduled_ids)


def _self_managed_group(session: boto3.Session, region: str, cluster_name: str, subnets: dict[str, str],
                        nodes: int) -> str:
    """An Auto Scaling group of ``nodes`` nodes that joins the cluster (its tags propagate to the instances)."""
    ec2: Any = session.client("ec2", region_name=region)
    asg: Any = session.client("autoscaling", region_name=region)
    name = f"{cluster_name}-self-managed"
    ec2.create_launch_template(LaunchTemplateName=f"{name}-lt", LaunchTemplateData={
        "ImageId": EKS_NODE_AMI, "InstanceType": "m5.large"})
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateName": f"{name}-lt"}, MinSize=1,
        MaxSize=nodes + 2, DesiredCapacity=nodes, VPCZoneIdentifier=",".join(subnets.values()),
        Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in (
            ("eks:cluster-name", cluster_name), (f"kubernetes.io/cluster/{cluster_name}", "owned"),
            ("Name", f"{name}-node"))],
    )
    return name
