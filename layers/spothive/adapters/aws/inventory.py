"""Customer accounts through STS AssumeRole: EC2 and EKS inventory, and a permission probe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import Session, client
from spothive.adapters.aws.cloudwatch import CloudWatchMixin
from spothive.adapters.aws.fleet_scaling import FleetScalingMixin
from spothive.domain.errors import DependencyFailed
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, cluster_name_from_tags

_LIVE_STATES = ["pending", "running", "stopping", "stopped"]
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}


class StsCloudAccess:
    """Assumes the customer role with its External ID."""

    def __init__(self, region: str, page_size: int = 500) -> None:
        self._sts: Any = client("sts", region)
        self._page_size = page_size

    def assume(self, role_arn: str, external_id: str, session_name: str) -> AssumedSession:
        """A session with the role's temporary credentials, or ``DependencyFailed`` saying why not."""
        try:
            creds = self._sts.assume_role(
                RoleArn=role_arn, RoleSessionName=session_name[:64], ExternalId=external_id, DurationSeconds=900
            )["Credentials"]
        except ClientError as exc:
            error = exc.response["Error"]
            raise DependencyFailed(
                f"could not assume {role_arn}: {error.get('Code')}: {error.get('Message')}", field="role_arn"
            ) from exc
        session = Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        return AssumedSession(session, self._page_size)


class AssumedSession(FleetScalingMixin, CloudWatchMixin):
    """Reads one customer account's inventory with paginators and adaptive retries; scales its fleet."""

    def __init__(self, session: Session, page_size: int = 500) -> None:
        self._session = session
        self._page_size = page_size

    def instances(self, region: str) -> Iterator[DiscoveredInstance]:
        """Every live instance in ``region``, page by page."""
        ec2: Any = client("ec2", region, self._session)
        pages = ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": _LIVE_STATES}], PaginationConfig={"PageSize": self._page_size}
        )
        for page in pages:
            for reservation in page["Reservations"]:
                for raw in reservation["Instances"]:
                    yield _instance(raw, region)

    def clusters(self, region: str) -> Iterator[DiscoveredCluster]:
        """Every EKS cluster in ``region`` with its managed node groups."""
        eks: Any = client("eks", region, self._session)
        for page in eks.get_paginator("list_clusters").paginate(
            PaginationConfig={"PageSize": min(self._page_size, 100)}
        ):
            for name in page["clusters"]:
                described = eks.describe_cluster(name=name)["cluster"]
                groups = [
                    group
                    for ng_page in eks.get_paginator("list_nodegroups").paginate(clusterName=name)
                    for group in ng_page["nodegroups"]
                ]
                yield DiscoveredCluster(
                    account_id="", region=region, name=name, arn=described.get("arn", ""),
                    version=described.get("version", ""), status=described.get("status", ""),
                    nodegroups=tuple(sorted(groups)),
                )

    def live_clusters(self, region: str) -> Iterator[DiscoveredCluster]:
        """``clusters`` with each one's node count: the desired sizes of its managed node groups."""
        for cluster in self.clusters(region):
            sizes = self.nodegroup_sizes(region, cluster.name) if cluster.nodegroups else {}
            yield replace(cluster, node_count=sum(s.desired_size for s in sizes.values()))

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]:
        """The scaling configuration of each managed node group of a cluster."""
        eks: Any = client("eks", region, self._session)
        sizes: dict[str, NodegroupSize] = {}
        for page in eks.get_paginator("list_nodegroups").paginate(clusterName=cluster_name):
            for name in page["nodegroups"]:
                config = eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=name)["nodegroup"]
                scaling = config.get("scalingConfig", {})
                sizes[name] = NodegroupSize(
                    int(scaling.get("minSize", 0)), int(scaling.get("maxSize", 1)), int(scaling.get("desiredSize", 0))
                )
        return sizes

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None:
        """EKS UpdateNodegroupConfig to ``size`` (``DependencyFailed`` saying why when refused)."""
        eks: Any = client("eks", region, self._session)
        try:
            eks.update_nodegroup_config(
                clusterName=cluster_name, nodegroupName=nodegroup,
                scalingConfig={"minSize": size.min_size, "maxSize": size.max_size, "desiredSize": size.desired_size},
            )
        except ClientError as exc:
            error = exc.response["Error"]
            raise DependencyFailed(
                f"could not scale node group {nodegroup} of {cluster_name}: {error.get('Code')}: {error.get('Message')}"
            ) from exc

    def probe(self, region: str) -> list[str]:
        """The read actions SpotHive needs that the role is denied."""
        ec2: Any = client("ec2", region, self._session)
        eks: Any = client("eks", region, self._session)
        asg: Any = client("autoscaling", region, self._session)
        checks: dict[str, Callable[[], object]] = {
            "ec2:DescribeInstances": lambda: ec2.describe_instances(MaxResults=5),
            "ec2:DescribeSpotInstanceRequests": lambda: ec2.describe_spot_instance_requests(MaxResults=5),
            "eks:ListClusters": lambda: eks.list_clusters(maxResults=1),
            "autoscaling:DescribeAutoScalingGroups": lambda: asg.describe_auto_scaling_groups(MaxRecords=1),
        }
        denied = []
        for action, call in checks.items():
            try:
                call()
            except ClientError as exc:
                if exc.response["Error"]["Code"] in _DENIED:
                    denied.append(action)
                else:
                    raise
        return denied


def _instance(raw: dict[str, Any], region: str) -> DiscoveredInstance:
    tags = {t["Key"]: t["Value"] for t in raw.get("Tags", [])}
    return DiscoveredInstance(
        account_id="",
        region=region,
        instance_id=raw["InstanceId"],
        instance_type=raw["InstanceType"],
        zone=raw.get("Placement", {}).get("AvailabilityZone", ""),
        lifecycle="spot" if raw.get("InstanceLifecycle") == "spot" else "on-demand",
        state=raw.get("State", {}).get("Name", "unknown"),
        launch_time=raw.get("LaunchTime"),
        cluster_name=cluster_name_from_tags(tags),
        tags=tags,
    )
