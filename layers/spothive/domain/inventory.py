"""Discovered inventory (clusters and instances) and the diff between two scans."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

#: Tags that tie an EC2 instance to an EKS cluster, in the order they are trusted.
CLUSTER_TAGS: tuple[str, ...] = ("eks:cluster-name", "aws:eks:cluster-name", "karpenter.sh/cluster")
CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"


@dataclass(frozen=True, slots=True)
class DiscoveredCluster:
    """An EKS cluster as the AWS APIs describe it."""

    account_id: str
    region: str
    name: str
    arn: str
    version: str
    status: str
    nodegroups: tuple[str, ...] = ()
    node_count: int = 0  # Σ desired size of its node groups, where read live (``GET /api/clusters/discover``)

    @property
    def cluster_id(self) -> str:
        """A stable, URL-safe id derived from where the cluster lives."""
        return cluster_id_for(self.account_id, self.region, self.name)


@dataclass(frozen=True, slots=True)
class DiscoveredInstance:
    """An EC2 instance as DescribeInstances reports it."""

    account_id: str
    region: str
    instance_id: str
    instance_type: str
    zone: str
    lifecycle: str  # "on-demand" | "spot"
    state: str
    launch_time: datetime | None
    cluster_name: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def instance_key(self) -> str:
        """The sort key: unique within an org."""
        return f"{self.account_id}#{self.region}#{self.instance_id}"

    @property
    def cluster_id(self) -> str | None:
        """The id of the cluster this instance is a node of, if any."""
        if not self.cluster_name:
            return None
        return cluster_id_for(self.account_id, self.region, self.cluster_name)


@dataclass(frozen=True, slots=True)
class InventoryDiff:
    """What changed between the stored inventory and a fresh scan."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int


def cluster_id_for(account_id: str, region: str, name: str) -> str:
    """``c-`` and 16 hex digits of SHA-256 over account, region and name."""
    digest = hashlib.sha256(f"{account_id}/{region}/{name}".encode()).hexdigest()
    return f"c-{digest[:16]}"


def cluster_name_from_tags(tags: dict[str, str]) -> str | None:
    """The EKS cluster an instance belongs to, read from its tags."""
    for key in CLUSTER_TAGS:
        if tags.get(key):
            return tags[key]
    for key, value in tags.items():
        if key.startswith(CLUSTER_TAG_PREFIX) and value in ("owned", "shared"):
            return key[len(CLUSTER_TAG_PREFIX):]
    return None


def diff_instances(
    stored: dict[str, tuple[str, str, str]], fresh: Iterable[DiscoveredInstance]
) -> InventoryDiff:
    """Compare stored ``{instance_key: (type, lifecycle, state)}`` with a scan's instances."""
    seen: set[str] = set()
    added: list[str] = []
    changed: list[str] = []
    unchanged = 0
    for inst in fresh:
        seen.add(inst.instance_key)
        before = stored.get(inst.instance_key)
        if before is None:
            added.append(inst.instance_key)
        elif before != (inst.instance_type, inst.lifecycle, inst.state):
            changed.append(inst.instance_key)
        else:
            unchanged += 1
    removed = sorted(set(stored) - seen)
    return InventoryDiff(tuple(sorted(added)), tuple(removed), tuple(sorted(changed)), unchanged)


@dataclass(frozen=True, slots=True)
class StoredCluster:
    """A cluster as SpotHive keeps it."""

    org_id: str
    cluster_id: str
    account_id: str
    name: str
    region: str
    arn: str
    version: str
    status: str
    nodegroups: tuple[str, ...]
    node_count: int
    first_seen: datetime
    last_seen: datetime
    agent_linked: bool = False  # an agent token was issued: utilization comes from the agent, not CloudWatch


@dataclass(frozen=True, slots=True)
class StoredInstance:
    """An instance as SpotHive keeps it."""

    org_id: str
    instance: DiscoveredInstance
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One discovery pass over one account."""

    org_id: str
    account_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # "succeeded" | "failed"
    clusters: int
    instances: int
    added: int
    removed: int
    changed: int
    error: str | None = None
