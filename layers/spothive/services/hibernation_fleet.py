"""Sleeping and waking one hibernation target, by kind, through a customer account's ``FleetScaler``.

``capture`` reads what is there; ``sleep`` takes it away step by step and, when a step fails, undoes
the steps already taken (newest first) before raising, so a failed sleep leaves the fleet awake; ``wake``
restores every part it can and raises the first failure after trying them all (the worker retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spothive.domain.errors import NotFound
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_targets import (
    InstanceGroup,
    SavedCapacity,
    TargetKind,
    asleep_size,
    instance_groups,
    is_group_id,
    processes_to_suspend,
    unscalable_groups_error,
)
from spothive.domain.inventory import StoredCluster, StoredInstance
from spothive.ports.inventory import InventoryRepo
from spothive.ports.scaling import FleetScaler

logger = logging.getLogger(__name__)
Step = Callable[[], None]


@dataclass(frozen=True, slots=True)
class FleetTarget:
    """A cluster (node groups or ASGs) or an instance group, with where it lives."""

    org_id: str
    target_id: str
    account_id: str
    kind: TargetKind
    name: str  # the cluster's name, or the schedule's
    region: str = ""  # a cluster's region
    nodegroups: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # an instance group's regions


def cluster_target(cluster: StoredCluster, kind: TargetKind) -> FleetTarget:
    """A cluster hibernated through its node groups or its Auto Scaling groups."""
    return FleetTarget(cluster.org_id, cluster.cluster_id, cluster.account_id, kind, cluster.name, cluster.region,
                       cluster.nodegroups)


def group_target(org_id: str, group: InstanceGroup) -> FleetTarget:
    """An instance group hibernated by stopping its instances."""
    return FleetTarget(org_id, group.group_id, group.account_id, TargetKind.EC2, group.schedule,
                       regions=group.regions)


def find_group(inventory: InventoryRepo, org_id: str, group_id: str) -> InstanceGroup | None:
    """The org's instance group ``group_id`` as its stored instances' tags make it up."""
    return next((g for g in org_groups(inventory.list_instances(org_id)) if g.group_id == group_id), None)


def org_groups(stored: Iterable[StoredInstance]) -> list[InstanceGroup]:
    """Every instance group of an org's stored instances."""
    rows = ((s.instance.account_id, s.instance.region, s.instance.instance_id, s.instance.cluster_id, s.instance.tags)
            for s in stored)
    return instance_groups(rows)


def resolve(inventory: InventoryRepo, org_id: str, target_id: str, kind: TargetKind) -> FleetTarget | None:
    """The target a schedule names, ``None`` when discovery no longer finds it."""
    if is_group_id(target_id):
        group = find_group(inventory, org_id, target_id)
        return group_target(org_id, group) if group else None
    cluster = inventory.get_cluster(org_id, target_id)
    return cluster_target(cluster, kind) if cluster else None


def capture(scaler: FleetScaler, target: FleetTarget) -> SavedCapacity:
    """What is running now and would be taken away by a sleep."""
    if target.kind is TargetKind.NODEGROUP:
        sizes = scaler.nodegroup_sizes(target.region, target.name)
        return SavedCapacity(groups={n: s for n, s in sizes.items() if n in target.nodegroups or not target.nodegroups})
    if target.kind is TargetKind.ASG:
        states = scaler.cluster_asgs(target.region, target.name)
        if not states:
            raise NotFound(f"cluster {target.name} has no self-managed Auto Scaling group "
                           f"(tag kubernetes.io/cluster/{target.name}) to hibernate", field="target")
        refused = [n for n, s in states.items() if not s.role_may_scale]
        if refused:  # refused before any write: a partial sleep would leave the cluster half awake
            raise unscalable_groups_error(target.name, refused)
        return SavedCapacity(groups={n: s.size for n, s in states.items()},
                             suspended={n: processes_to_suspend(s.suspended) for n, s in states.items()})
    if target.kind is TargetKind.KARPENTER:
        raise NotFound("a Karpenter cluster sleeps through its agent, not through AWS", field="target")
    running = [f"{i.region}/{i.instance_id}" for region in target.regions
               for i in scaler.scheduled_instances(region, target.name) if i.state in ("pending", "running")]
    return SavedCapacity(instances=tuple(sorted(running)))


def sleep(scaler: FleetScaler, target: FleetTarget, saved: SavedCapacity, hibernate: bool = False) -> None:
    """Take the saved capacity away; on a failure undo what was done, then raise."""
    undo: list[Step] = []
    try:
        for step, compensation in _sleep_steps(scaler, target, saved, hibernate):
            step()
            undo.append(compensation)
    except Exception:
        for compensation in reversed(undo):
            try:
                compensation()
            except Exception:  # keep undoing the rest; the wake retries on the next tick
                logger.exception("undoing a partial sleep of %s failed", target.target_id)
        raise


def wake(scaler: FleetScaler, target: FleetTarget, saved: SavedCapacity) -> None:
    """Restore the saved capacity exactly, every part attempted; raise the first failure afterwards."""
    failures: list[Exception] = []
    for step in _wake_steps(scaler, target, saved):
        try:
            step()
        except Exception as exc:
            failures.append(exc)
    if failures:
        raise failures[0]


def _sleep_steps(
    scaler: FleetScaler, target: FleetTarget, saved: SavedCapacity, hibernate: bool
) -> list[tuple[Step, Step]]:
    steps: list[tuple[Step, Step]] = []
    if target.kind is TargetKind.NODEGROUP:
        for name, size in sorted(saved.groups.items()):
            steps.append((_scale_ng(scaler, target, name, asleep_size(target.kind, size)),
                          _scale_ng(scaler, target, name, size)))
    elif target.kind is TargetKind.ASG:
        for name, size in sorted(saved.groups.items()):
            processes = saved.suspended.get(name, ())
            # suspend first, so no scheduled action or alarm scales the group back up while it drains
            steps.append((_call(scaler.suspend_processes, target.region, name, processes),
                          _call(scaler.resume_processes, target.region, name, processes)))
            steps.append((_call(scaler.update_asg, target.region, name, asleep_size(target.kind, size)),
                          _call(scaler.update_asg, target.region, name, size)))
    else:
        by_region = _by_region(saved.instances)
        configured = {i.instance_id for region in by_region for i in scaler.scheduled_instances(region, target.name)
                      if i.hibernation_configured} if hibernate else set()
        batches = [(region, ids, hib) for region, all_ids in sorted(by_region.items()) for ids, hib in (
            ([i for i in all_ids if i not in configured], False), ([i for i in all_ids if i in configured], True)) if ids]
        # a dry run of every batch first: a refusal (permissions, tags) then stops nothing at all
        for region, ids, hib in batches:
            steps.append((_call(scaler.stop_instances, region, ids, hib, True), _noop))
        for region, ids, hib in batches:
            steps.append((_call(scaler.stop_instances, region, ids, hib), _call(scaler.start_instances, region, ids)))
    return steps


def _wake_steps(scaler: FleetScaler, target: FleetTarget, saved: SavedCapacity) -> list[Step]:
    if target.kind is TargetKind.NODEGROUP:
        return [_scale_ng(scaler, target, n, s) for n, s in sorted(saved.groups.items())]
    if target.kind is TargetKind.ASG:
        steps: list[Step] = []
        for name, size in sorted(saved.groups.items()):
            steps.append(_call(scaler.update_asg, target.region, name, size))
            steps.append(_call(scaler.resume_processes, target.region, name, saved.suspended.get(name, ())))
        return steps
    return [_call(scaler.start_instances, region, ids) for region, ids in sorted(_by_region(saved.instances).items())]


def _scale_ng(scaler: FleetScaler, target: FleetTarget, name: str, size: NodegroupSize) -> Step:
    return lambda: scaler.scale_nodegroup(target.region, target.name, name, size)


def _call(fn: Callable[..., None], *args: object) -> Step:
    return lambda: fn(*args)


def _noop() -> None:
    return None


def _by_region(instances: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ref in instances:
        region, _, instance_id = ref.partition("/")
        out.setdefault(region, []).append(instance_id)
    return out
