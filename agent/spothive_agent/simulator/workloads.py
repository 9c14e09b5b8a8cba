"""The simulator's controllers: Deployments (ReplicaSets) replace evicted pods, DaemonSets run one pod a node,
and PodDisruptionBudget status follows the pods it selects."""

from __future__ import annotations

import copy
import hashlib
import math
from typing import TYPE_CHECKING, Any

from spothive_agent.podinfo import is_ready, owner
from spothive_agent.selectors import label_selector_matches
from spothive_agent.simulator import builders

if TYPE_CHECKING:
    from spothive_agent.simulator.cluster import SimCluster

Obj = dict[str, Any]


def _suffix(*parts: str) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16)
    return "".join(alphabet[(digest >> (5 * i)) % len(alphabet)] for i in range(5))


def _resolve(value: int | str | None, expected: int, round_up: bool) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.endswith("%"):
        share = expected * int(value[:-1]) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value)


def pdb_status(pdb: Obj, namespace_pods: list[Obj]) -> Obj:
    """currentHealthy / desiredHealthy / disruptionsAllowed / expectedPods as the disruption controller computes."""
    selected = [p for p in namespace_pods
                if label_selector_matches(pdb["spec"].get("selector"), p["metadata"].get("labels") or {})]
    expected = len(selected)
    healthy = sum(1 for p in selected if is_ready(p))
    min_available = _resolve(pdb["spec"].get("minAvailable"), expected, round_up=True)
    max_unavailable = _resolve(pdb["spec"].get("maxUnavailable"), expected, round_up=True)
    if min_available is not None:
        desired = min_available
    elif max_unavailable is not None:
        desired = max(0, expected - max_unavailable)
    else:
        desired = expected
    return {"currentHealthy": healthy, "desiredHealthy": desired, "disruptionsAllowed": max(0, healthy - desired),
            "expectedPods": expected, "observedGeneration": pdb["metadata"].get("generation", 1)}


class Workloads:
    """Deployments and DaemonSets the simulator keeps running."""

    def __init__(self, cluster: SimCluster) -> None:
        self._cluster = cluster
        self._templates: dict[tuple[str, str], Obj] = {}
        self._daemonsets: dict[tuple[str, str], Obj] = {}
        self._serial = 0

    def add_deployment(self, namespace: str, name: str, replicas: int, cpu: str = "100m", memory: str = "128Mi",
                       **template: Any) -> list[str]:
        """A Deployment's ReplicaSet with ``replicas`` pods (Pending until scheduled); returns their keys.

        ``template`` takes ``pod_template``'s keywords: extended, annotations, node_selector, affinity,
        tolerations, spread, priority, priority_class, pvc; ``labels`` adds to ``app=<name>``."""
        labels = {"app": name, **template.pop("labels", {})}
        pod_hash = _suffix("rs", namespace, name)[:5] + "d9"
        rs = f"{name}-{pod_hash}"
        pod = builders.pod_template(namespace, {**labels, "pod-template-hash": pod_hash}, cpu, memory, **template)
        pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                               "uid": builders.uid("rs", namespace, rs), "controller": True,
                                               "blockOwnerDeletion": True}]
        self._templates[(namespace, rs)] = pod
        return [self._stamp(namespace, rs) for _ in range(replicas)]

    def add_daemonset(self, namespace: str, name: str, cpu: str = "25m", memory: str = "64Mi") -> None:
        """A DaemonSet: one pod on every Ready node, now and on nodes that join later."""
        pod = builders.pod_template(namespace, {"app": name}, cpu, memory,
                                    tolerations=[{"operator": "Exists"}])
        pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": name,
                                               "uid": builders.uid("ds", namespace, name), "controller": True}]
        self._daemonsets[(namespace, name)] = pod
        for node_name, node in list(self._cluster.store.objects["nodes"].items()):
            if any(c.get("type") == "Ready" and c.get("status") == "True" for c in node["status"]["conditions"]):
                self._daemon_pod(namespace, name, node_name)

    def node_ready(self, node_name: str) -> None:
        """A node turned Ready: the DaemonSets put their pods on it."""
        for namespace, name in self._daemonsets:
            self._daemon_pod(namespace, name, node_name)

    def pod_gone(self, pod: Obj) -> None:
        """A pod was deleted or evicted: its ReplicaSet makes a replacement; a DaemonSet one if its node stays."""
        kind, _ = owner(pod)
        refs = pod["metadata"].get("ownerReferences") or []
        rs_name = refs[0]["name"] if refs else ""
        namespace = pod["metadata"]["namespace"]
        if kind == "Deployment" or (kind == "ReplicaSet" and (namespace, rs_name) in self._templates):
            self._stamp(namespace, rs_name)

    def _stamp(self, namespace: str, rs: str) -> str:
        self._serial += 1
        pod = copy.deepcopy(self._templates[(namespace, rs)])
        pod["metadata"]["name"] = f"{rs}-{_suffix(rs, str(self._serial))}"
        return self._cluster.add_pod(pod)

    def _daemon_pod(self, namespace: str, name: str, node_name: str) -> None:
        key = f"{namespace}/{name}-{_suffix(name, node_name)}"
        if key in self._cluster.store.objects["pods"]:
            return
        pod = copy.deepcopy(self._daemonsets[(namespace, name)])
        pod["metadata"]["name"] = key.split("/", 1)[1]
        pod["spec"]["nodeName"] = node_name
        self._cluster.add_pod(pod)

    def matching(self, namespace: str, selector: Obj) -> list[str]:
        """Keys of pods a selector matches (for tests)."""
        return [k for k, p in self._cluster.store.objects["pods"].items()
                if p["metadata"]["namespace"] == namespace
                and label_selector_matches(selector, p["metadata"].get("labels") or {})]
