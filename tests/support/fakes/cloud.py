"""Customer AWS accounts and discovery triggering, scripted by the test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from spothive.domain.errors import DependencyFailed
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_targets import AsgState, ScheduledInstance
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance
from spothive.domain.switch import DataVolume, InstanceFacts


@dataclass
class ScriptedAccount:
    """One customer account's inventory by region, and the reads its role is denied."""

    instances: dict[str, list[DiscoveredInstance]] = field(default_factory=dict)
    clusters: dict[str, list[DiscoveredCluster]] = field(default_factory=dict)
    denied: list[str] = field(default_factory=list)
    failing_regions: set[str] = field(default_factory=set)
    cpu: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)  # instance id → samples


class ScriptedSession:
    """``CloudSession`` serving a ``ScriptedAccount``; a failing region raises ``DependencyFailed``."""

    def __init__(self, account: ScriptedAccount) -> None:
        self._account = account

    def instances(self, region: str) -> Iterable[DiscoveredInstance]:
        self._fail(region)
        return list(self._account.instances.get(region, []))

    def clusters(self, region: str) -> Iterable[DiscoveredCluster]:
        self._fail(region)
        return list(self._account.clusters.get(region, []))

    def cpu_utilization(
        self, region: str, instance_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        self._fail(region)
        return {i: [s for s in self._account.cpu.get(i, []) if start <= s[0] <= end] for i in instance_ids}

    def live_clusters(self, region: str) -> Iterable[DiscoveredCluster]:
        self.live_calls = getattr(self, "live_calls", 0) + 1
        return self.clusters(region)

    def probe(self, region: str) -> list[str]:
        return list(self._account.denied)

    def _fail(self, region: str) -> None:
        if region in self._account.failing_regions:
            raise DependencyFailed(f"ec2 in {region} is unreachable")


class ScriptedCloud:
    """``CloudAccess``: roles by ARN; records every assume; an unknown role or wrong External ID fails."""

    def __init__(self) -> None:
        self.roles: dict[str, tuple[str, ScriptedAccount]] = {}  # role ARN → (External ID, account)
        self.assumed: list[tuple[str, str, str]] = []

    def add_role(self, role_arn: str, external_id: str, account: ScriptedAccount | None = None) -> ScriptedAccount:
        """Let ``role_arn`` be assumed with ``external_id``."""
        self.roles[role_arn] = (external_id, account or ScriptedAccount())
        return self.roles[role_arn][1]

    def assume(self, role_arn: str, external_id: str, session_name: str) -> ScriptedSession:
        self.assumed.append((role_arn, external_id, session_name))
        found = self.roles.get(role_arn)
        if found is None or found[0] != external_id:
            raise DependencyFailed(f"cannot assume {role_arn}")
        return ScriptedSession(found[1])


class RecordingTrigger:
    """``DiscoveryTrigger`` that remembers which accounts it was asked to scan."""

    def __init__(self) -> None:
        self.scans: list[tuple[str, str]] = []

    def scan_account(self, org_id: str, account_id: str) -> None:
        self.scans.append((org_id, account_id))


class ScriptedScaler:
    """``FleetScaler`` over node group sizes, ASGs and scheduled instances; records each write.

    ``failing`` raises on every write; ``fail_on`` names the ASG, node group or instance id whose write raises.
    """

    def __init__(self, sizes: dict[str, NodegroupSize] | None = None, asgs: dict[str, AsgState] | None = None,
                 instances: list[ScheduledInstance] | None = None) -> None:
        self.sizes: dict[str, NodegroupSize] = dict(sizes or {})
        self.asgs: dict[str, AsgState] = dict(asgs or {})
        self.instances: dict[str, ScheduledInstance] = {i.instance_id: i for i in instances or []}
        self.calls: list[tuple[str, str, str, NodegroupSize]] = []
        self.writes: list[tuple[str, ...]] = []
        self.failing = False
        self.fail_on: set[str] = set()

    def _check(self, *names: str) -> None:
        if self.failing or self.fail_on.intersection(names):
            raise DependencyFailed(f"scripted failure writing {', '.join(names)}")

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]:
        return dict(self.sizes)

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None:
        if self.failing or nodegroup in self.fail_on:
            raise DependencyFailed(f"eks UpdateNodegroupConfig failed for {nodegroup}")
        self.calls.append((region, cluster_name, nodegroup, size))
        self.sizes[nodegroup] = size

    def cluster_asgs(self, region: str, cluster_name: str) -> dict[str, AsgState]:
        return dict(self.asgs)

    def update_asg(self, region: str, name: str, size: NodegroupSize) -> None:
        self._check(name)
        self.writes.append(("update", name, f"{size.min_size}/{size.desired_size}/{size.max_size}"))
        self.asgs[name] = AsgState(size, self.asgs[name].suspended)

    def suspend_processes(self, region: str, name: str, processes: Sequence[str]) -> None:
        self._check(name)
        self.writes.append(("suspend", name, *processes))
        state = self.asgs[name]
        self.asgs[name] = AsgState(state.size, tuple(sorted(set(state.suspended) | set(processes))))

    def resume_processes(self, region: str, name: str, processes: Sequence[str]) -> None:
        self._check(name)
        self.writes.append(("resume", name, *processes))
        state = self.asgs[name]
        self.asgs[name] = AsgState(state.size, tuple(sorted(set(state.suspended) - set(processes))))

    def scheduled_instances(self, region: str, schedule: str) -> list[ScheduledInstance]:
        return [i for i in self.instances.values() if i.region == region]

    def stop_instances(self, region: str, instance_ids: Sequence[str], hibernate: bool, dry_run: bool = False) -> None:
        self._check(*instance_ids)
        if dry_run:
            return
        self.writes.append(("hibernate" if hibernate else "stop", *instance_ids))
        for i in instance_ids:
            self.instances[i] = replace(self.instances[i], state="stopped")

    def start_instances(self, region: str, instance_ids: Sequence[str]) -> None:
        self._check(*instance_ids)
        self.writes.append(("start", *instance_ids))
        for i in instance_ids:
            self.instances[i] = replace(self.instances[i], state="running")


class ScriptedScaling:
    """``ScalingAccess`` handing out one ``ScriptedScaler``; records every assume."""

    def __init__(self, scaler: ScriptedScaler | None = None) -> None:
        self.scaler = scaler or ScriptedScaler()
        self.assumed: list[tuple[str, str, str]] = []

    def assume(self, role_arn: str, external_id: str, session_name: str) -> ScriptedScaler:
        self.assumed.append((role_arn, external_id, session_name))
        return self.scaler


class ScriptedEc2:
    """``SwitchGateway`` and ``SwitchCloud`` over instances in a dict: a stop lands on the next describe,
    a Spot launch is idempotent on its token and runs at once."""

    def __init__(self, *instances: InstanceFacts) -> None:
        self.instances: dict[str, InstanceFacts] = {i.instance_id: i for i in instances}
        self.calls: list[tuple[str, str]] = []
        self.launches: dict[str, str] = {}  # client token → instance id
        self.opened: list[tuple[str, str, str]] = []
        self.free: dict[str, DataVolume] = {}  # detached data volumes
        self.health_of: dict[str, str] = {}  # status checks by instance (``ok`` when absent)

    def open(self, role_arn: str, external_id: str, region: str) -> ScriptedEc2:
        self.opened.append((role_arn, external_id, region))
        return self

    def describe(self, instance_id: str) -> InstanceFacts:
        facts = self.instances[instance_id]
        if facts.state == "stopping":
            self.instances[instance_id] = facts = replace(facts, state="stopped")
            return replace(facts, state="stopping")
        return facts

    def stop(self, instance_id: str) -> str:
        self.calls.append(("stop", instance_id))
        self.instances[instance_id] = replace(self.instances[instance_id], state="stopping")
        return "stopping"

    def start(self, instance_id: str) -> str:
        self.calls.append(("start", instance_id))
        self.instances[instance_id] = replace(self.instances[instance_id], state="running")
        return "pending"

    def snapshot_root(self, volume_id: str, description: str) -> str:
        self.calls.append(("snapshot", volume_id))
        return f"snap-{volume_id}"

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        if token not in self.launches:
            self.calls.append(("launch", token))
            spot_id = f"i-spot{len(self.launches) + 1:013d}"
            self.launches[token] = spot_id
            self.instances[spot_id] = replace(facts, instance_id=spot_id, state="running", lifecycle="spot",
                                              data_volumes=())
        return self.launches[token]

    def user_data(self, instance_id: str) -> str | None:
        return self.instances[instance_id].user_data

    def terminate(self, instance_id: str) -> str:
        self.calls.append(("terminate", instance_id))
        self.instances[instance_id] = replace(self.instances[instance_id], state="terminated", data_volumes=())
        return "shutting-down"

    def _volume(self, volume_id: str) -> tuple[str, DataVolume] | None:
        for instance_id, facts in self.instances.items():
            for volume in facts.data_volumes:
                if volume.volume_id == volume_id:
                    return instance_id, volume
        return None

    def detach_volume(self, volume_id: str, instance_id: str) -> None:
        self.calls.append(("detach", volume_id))
        found = self._volume(volume_id)
        if found is None or found[0] != instance_id:
            raise DependencyFailed(f"{volume_id} is not attached to {instance_id}")
        facts = self.instances[instance_id]
        self.instances[instance_id] = replace(
            facts, data_volumes=tuple(v for v in facts.data_volumes if v.volume_id != volume_id))
        self.free[volume_id] = found[1]

    def attach_volume(self, volume_id: str, instance_id: str, device: str) -> None:
        self.calls.append(("attach", f"{volume_id}>{instance_id}"))
        if volume_id not in self.free:
            raise DependencyFailed(f"{volume_id} is in use")
        volume = replace(self.free.pop(volume_id), device=device)
        facts = self.instances[instance_id]
        self.instances[instance_id] = replace(facts, data_volumes=(*facts.data_volumes, volume))

    def volume_attachments(self, volume_ids: Sequence[str]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for volume_id in volume_ids:
            found = self._volume(volume_id)
            out[volume_id] = found[0] if found else None
        return out

    def health(self, instance_id: str) -> str:
        return self.health_of.get(instance_id, "ok")

    def tag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        self.calls.append(("tag", f"{instance_id}:{','.join(f'{k}={v}' for k, v in sorted(tags.items()))}"))
        facts = self.instances.get(instance_id)
        if facts is not None:
            self.instances[instance_id] = replace(facts, tags=tuple(sorted({**dict(facts.tags), **tags}.items())))

    def untag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        self.calls.append(("untag", f"{instance_id}:{','.join(f'{k}={v}' for k, v in sorted(tags.items()))}"))
        facts = self.instances.get(instance_id)
        if facts is not None:  # like DeleteTags with a Value: only a tag that still has that value goes
            kept = {k: v for k, v in dict(facts.tags).items() if tags.get(k) != v}
            self.instances[instance_id] = replace(facts, tags=tuple(sorted(kept.items())))
