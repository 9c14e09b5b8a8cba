"""DaemonSet pods: per-node overhead rather than workload.

A DaemonSet runs one pod on every node it selects, so its pods never pin a node and never move: they leave
with a removed node and a new node gets its own copy. SpotHive models this as a per-node *overhead*: the
distinct DaemonSets of the snapshot (by namespace and owner name, the largest request seen per DaemonSet),
reserved on every node that stays or is added. An existing node's room for workload is its allocatable less
the overhead, but never less than what its workload requests today (it already runs that).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from spothive.domain.catalog import InstanceType
from spothive.domain.packing.model import Pod, Snapshot

Cap = tuple[int, int, int, int]  # (cpu_m, memory_mib, gpus, pods)
NO_OVERHEAD: Cap = (0, 0, 0, 0)


def split_daemonsets(snapshot: Snapshot) -> tuple[Snapshot, tuple[Pod, ...]]:
    """The snapshot without its DaemonSet pods, and those pods."""
    daemons = tuple(p for p in snapshot.pods if p.is_daemonset)
    if not daemons:
        return snapshot, ()
    return replace(snapshot, pods=tuple(p for p in snapshot.pods if not p.is_daemonset)), daemons


def daemonset_overhead(daemons: Iterable[Pod]) -> Cap:
    """Per-node requests of the distinct DaemonSets: the largest request seen per DaemonSet, summed."""
    per_ds: dict[tuple[str, str], list[int]] = {}
    for p in daemons:
        cur = per_ds.setdefault((p.namespace, p.daemonset_name), [0, 0, 0])
        cur[0] = max(cur[0], p.cpu_m)
        cur[1] = max(cur[1], p.memory_mib)
        cur[2] = max(cur[2], p.gpu)
    reqs = per_ds.values()
    return (sum(r[0] for r in reqs), sum(r[1] for r in reqs), sum(r[2] for r in reqs), len(per_ds))


def allocatable(itype: InstanceType) -> Cap:
    """Allocatable (cpu_m, memory_mib, gpus, pods) of an instance type."""
    return (itype.alloc_cpu_m, itype.alloc_memory_mib, itype.gpus, itype.max_pods)


def new_node_room(itype: InstanceType, overhead: Cap) -> Cap:
    """Room a new node of ``itype`` has for workload once the DaemonSet overhead is reserved."""
    alloc = allocatable(itype)
    return (
        alloc[0] - overhead[0],
        alloc[1] - overhead[1],
        alloc[2] - overhead[2],
        alloc[3] - overhead[3],
    )


def existing_node_room(itype: InstanceType, overhead: Cap, used_today: Sequence[int]) -> Cap:
    """Room an existing node has for workload: allocatable less the overhead, at least today's workload."""
    room = new_node_room(itype, overhead)
    return (
        max(room[0], used_today[0]),
        max(room[1], used_today[1]),
        max(room[2], used_today[2]),
        max(room[3], used_today[3]),
    )


def fits_overhead(itype: InstanceType, overhead: Cap) -> bool:
    """True when a new node of ``itype`` holds the overhead and still has room for one pod."""
    room = new_node_room(itype, overhead)
    return room[0] > 0 and room[1] > 0 and room[2] >= 0 and room[3] >= 1
