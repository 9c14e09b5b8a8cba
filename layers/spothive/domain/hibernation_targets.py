"""What hibernation scales, by kind: EKS managed node groups, Auto Scaling groups, stand-alone EC2.

A cluster chooses its kind (``eks-nodegroup`` or ``asg``); stand-alone instances are grouped like AWS
Instance Scheduler does it, by the tag ``spothive:schedule=<name>`` within one linked account, and such
a group (``g-…`` id) always sleeps by stopping its instances. Before sleeping, the exact capacity to
restore is captured (sizes, the processes SpotHive suspended, the instances SpotHive stopped), so a
wake puts back precisely what was there and never touches what the customer had already changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from spothive.domain.errors import InvalidInput
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_karpenter import Quantity

#: The tag that puts a stand-alone instance on a named schedule.
SCHEDULE_TAG = "spothive:schedule"
#: Auto Scaling processes that would undo a sleep (a scheduled action or an alarm raising min/max, AZ
#: rebalancing launching into an empty group); Launch/Terminate stay on so the group can drain to zero.
FIGHTING_PROCESSES: tuple[str, ...] = ("AlarmNotification", "AZRebalance", "ScheduledActions")
#: A tag on the Auto Scaling groups EKS creates for its managed node groups; those are scaled through
#: EKS (kind ``eks-nodegroup``), never behind its back.
MANAGED_NODEGROUP_TAG = "eks:nodegroup-name"
#: The customer role scales only Auto Scaling groups tagged ``spothive:managed=true`` or carrying
#: ``eks:cluster-name`` (infra/stacks/customer_stack.py). A self-managed group tagged only
#: ``kubernetes.io/cluster/<name>`` is refused: IAM matches a tag key exactly, and that key embeds the
#: cluster's name, which a one-per-account role template cannot know; widening the condition to every
#: group would let SpotHive resize groups the customer never opted in. So such a group is named in a
#: clear error before anything is changed, and the customer tags it ``spothive:managed=true``.
MANAGED_TAG, MANAGED_TAG_VALUE = "spothive:managed", "true"
EKS_CLUSTER_TAG = "eks:cluster-name"
GROUP_PREFIX = "g-"


class TargetKind(StrEnum):
    """How a hibernation target is put to sleep."""

    NODEGROUP = "eks-nodegroup"
    ASG = "asg"
    EC2 = "ec2"
    KARPENTER = "karpenter"  # the agent zeroes the NodePools' limits and deletes their NodeClaims


CLUSTER_KINDS = (TargetKind.NODEGROUP, TargetKind.ASG, TargetKind.KARPENTER)


@dataclass(frozen=True, slots=True)
class AsgState:
    """An Auto Scaling group's min/max/desired and the processes suspended on it."""

    size: NodegroupSize
    suspended: tuple[str, ...] = ()
    role_may_scale: bool = True  # carries a tag the customer role's write condition accepts


@dataclass(frozen=True, slots=True)
class ScheduledInstance:
    """A stand-alone instance carrying the schedule tag."""

    instance_id: str
    region: str
    state: str
    hibernation_configured: bool = False


@dataclass(frozen=True, slots=True)
class SavedCapacity:
    """What a sleep took away, to be restored exactly on wake."""

    groups: Mapping[str, NodegroupSize] = field(default_factory=dict)  # node group or ASG → size before
    suspended: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # ASG → processes SpotHive suspended
    instances: tuple[str, ...] = ()  # "region/instance-id" SpotHive stopped
    limits: Mapping[str, Mapping[str, Quantity]] = field(default_factory=dict)  # NodePool → its spec.limits before

    def is_empty(self) -> bool:
        """Nothing was captured (or the capture never ran)."""
        return not (self.groups or self.suspended or self.instances or self.limits)

    def as_doc(self) -> dict[str, object]:
        """The audit form."""
        return {
            "groups": {n: {"min": s.min_size, "max": s.max_size, "desired": s.desired_size}
                       for n, s in sorted(self.groups.items())},
            "suspended_processes": {n: list(p) for n, p in sorted(self.suspended.items()) if p},
            "instances": list(self.instances),
            "nodepool_limits": {n: dict(sorted(v.items())) for n, v in sorted(self.limits.items())},
        }


@dataclass(frozen=True, slots=True)
class InstanceGroup:
    """The stand-alone instances of one account on one named schedule."""

    group_id: str
    account_id: str
    schedule: str
    instances: tuple[tuple[str, str], ...]  # (region, instance id)

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions its instances run in."""
        return tuple(sorted({region for region, _ in self.instances}))


def target_kind(value: str, target_id: str) -> TargetKind:
    """The kind for ``target_id``; ``InvalidInput`` naming ``target`` when it does not fit."""
    try:
        kind = TargetKind(value)
    except ValueError:
        raise InvalidInput(f"target must be one of {', '.join(k.value for k in TargetKind)}, got {value!r}",
                           field="target") from None
    if is_group_id(target_id) != (kind is TargetKind.EC2):
        raise InvalidInput("target ec2 is for instance groups (g-… ids); clusters use eks-nodegroup, asg or "
                           "karpenter", field="target")
    return kind


def is_group_id(target_id: str) -> bool:
    """Whether ``target_id`` names an instance group rather than a cluster."""
    return target_id.startswith(GROUP_PREFIX)


def group_id_for(account_id: str, schedule: str) -> str:
    """``g-`` and 16 hex digits of SHA-256 over account and schedule name."""
    return GROUP_PREFIX + hashlib.sha256(f"{account_id}/{schedule}".encode()).hexdigest()[:16]


def instance_groups(instances: Iterable[tuple[str, str, str, str | None, Mapping[str, str]]]) -> list[InstanceGroup]:
    """Group ``(account, region, instance id, cluster id, tags)`` rows by schedule tag (cluster nodes excluded)."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for account_id, region, instance_id, cluster_id, tags in instances:
        schedule = (tags.get(SCHEDULE_TAG) or "").strip()
        if schedule and not cluster_id:
            found.setdefault((account_id, schedule), []).append((region, instance_id))
    return [InstanceGroup(group_id_for(a, s), a, s, tuple(sorted(ids))) for (a, s), ids in sorted(found.items())]


def asleep_size(kind: TargetKind, size: NodegroupSize) -> NodegroupSize:
    """The size of a sleeping group: EKS demands ``maxSize`` ≥ 1 of a node group, an ASG goes to 0/0/0."""
    if kind is TargetKind.NODEGROUP:
        return NodegroupSize(0, max(size.max_size, 1), 0)
    return NodegroupSize(0, 0, 0)


def processes_to_suspend(already: Iterable[str]) -> tuple[str, ...]:
    """The fighting processes not already suspended: only these are resumed on wake."""
    done = set(already)
    return tuple(p for p in FIGHTING_PROCESSES if p not in done)


def role_may_scale(tags: Mapping[str, str]) -> bool:
    """Whether the customer role may write to an Auto Scaling group with these tags (see ``MANAGED_TAG``)."""
    return tags.get(MANAGED_TAG) == MANAGED_TAG_VALUE or EKS_CLUSTER_TAG in tags


def unscalable_groups_error(cluster_name: str, names: Iterable[str]) -> InvalidInput:
    """The refusal of a sleep whose Auto Scaling groups the customer role may not resize, naming the tag."""
    listed = ", ".join(sorted(names))
    return InvalidInput(
        f"cluster {cluster_name}: Auto Scaling group(s) {listed} lack the tag {MANAGED_TAG}={MANAGED_TAG_VALUE} "
        f"(or {EKS_CLUSTER_TAG}) that the SpotHiveAccess role requires to resize them; tag them "
        f"{MANAGED_TAG}={MANAGED_TAG_VALUE} and the next run hibernates the cluster (nothing was changed)",
        field="target")
