"""Customer AWS accounts and discovery triggering, scripted by the test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from spothive.domain.errors import DependencyFailed
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance
from spothive.domain.switch import DataVolume, InstanceFacts


@dataclass
class ScriptedAccount:
    """One customer account's inventory by region, and the reads its role is denied."""

    instances: dict[str, list[DiscoveredInstance]] = field(default_factory=dict)
    clusters: dict[str, list[DiscoveredCluster]] = field(default_factory=dict)
    denied: list[str] = field(default_factory=list)
    failing_regions: set[str] = field(default_factory=set)


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
    """``NodegroupScaler`` over node group sizes; records each scale call; ``failing`` raises on scaling."""

    def __init__(self, sizes: dict[str, NodegroupSize] | None = None) -> None:
        self.sizes: dict[str, NodegroupSize] = dict(sizes or {})
        self.calls: list[tuple[str, str, str, NodegroupSize]] = []
        self.failing = False

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]:
        return dict(self.sizes)

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None:
        if self.failing:
            raise DependencyFailed(f"eks UpdateNodegroupConfig failed for {nodegroup}")
        self.calls.append((region, cluster_name, nodegroup, size))
        self.sizes[nodegroup] = size


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
