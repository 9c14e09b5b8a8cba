"""SimCluster: an in-memory Kubernetes implementing the agent's port, with a scheduler and controllers.

Semantics that matter to SpotHive: pending pods are bound to nodes that fit (see ``scheduler``); cordoned
nodes get no pods; evictions honour PodDisruptionBudgets (429 when no disruption is allowed) and the
evicted pod's controller makes a replacement; DaemonSets run one pod per node; new nodes turn Ready after
a boot delay; deleted Karpenter NodeClaims drain and go as Karpenter's termination controller does
(``simulator.karpenter``); the clock is injected and nothing moves until ``tick``."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from spothive_agent.clock import Clock, SystemClock, rfc3339
from spothive_agent.kube import Conflict, Eviction, Kind, Listing, NotFound
from spothive_agent.podinfo import is_finished, is_ready, owner, pod_key, pv_claim, pv_zones, pvc_names, requests
from spothive_agent.selectors import label_selector_matches
from spothive_agent.simulator import builders
from spothive_agent.simulator.karpenter import KarpenterApis
from spothive_agent.simulator.scheduler import pick_node, rooms
from spothive_agent.simulator.seed import NodeSpec
from spothive_agent.simulator.side_apis import SideApis
from spothive_agent.simulator.store import Store
from spothive_agent.simulator.workloads import Workloads, pdb_status

Obj = dict[str, Any]
STORE_KINDS = ("nodes", "pods", "pdbs", "pvs", "events", "leases", "nodepools", "ec2nodeclasses", "nodeclaims")


def merge_patch(target: Obj, patch: Obj) -> Obj:
    """RFC 7386 JSON merge patch (``None`` deletes a key)."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


class SimCluster(SideApis, KarpenterApis):
    """The simulated cluster. Thread-safe; every read returns a copy."""

    def __init__(self, clock: Clock | None = None, boot_delay_s: float = 60.0, pod_start_s: float = 0.0,
                 history: int = 100_000) -> None:
        self.clock = clock or SystemClock()
        self.boot_delay = timedelta(seconds=boot_delay_s)
        self.pod_start = timedelta(seconds=pod_start_s)
        self.store = Store(STORE_KINDS, history)
        self.workloads = Workloads(self)
        self._ready_at: dict[str, Any] = {}
        self._started_at: dict[str, Any] = {}
        self.usage: dict[str, tuple[int, int]] = {}
        self.evictions: list[str] = []
        self._lock = self.store.lock
        self._batching = False
        self._requests: dict[str, dict[str, int]] = {}

    # ---- seeding -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Seed many objects at once: scheduling and PDB status wait until the block ends."""
        with self._lock:
            self._batching = True
            try:
                yield
            finally:
                self._batching = False
                for namespace in {p["metadata"]["namespace"] for p in self.store.objects["pdbs"].values()}:
                    self._after_pod_change(namespace)
                self._schedule()

    def add_node(self, spec: NodeSpec | dict[str, Any], ready: bool = True) -> str:
        """Add a node (Ready now unless ``ready`` is False: then after the boot delay)."""
        s = spec if isinstance(spec, NodeSpec) else NodeSpec(**spec)
        now = self.clock.now()
        with self._lock:
            node = builders.node_object(s.name, s.instance_type, s.capacity_type, s.zone, s.allocatable, s.labels,
                                        s.taints, ready, now, s.arch)
            self.store.put("nodes", s.name, node)
            if not ready:
                self._ready_at[s.name] = now + self.boot_delay
            else:
                self.workloads.node_ready(s.name)
            self._schedule()
        return s.name

    def launch_node(self, spec: NodeSpec | dict[str, Any]) -> str:
        """A new node joining the cluster: NotReady until the boot delay has passed."""
        return self.add_node(spec, ready=False)

    def remove_node(self, name: str) -> None:
        """The instance is gone: delete the node and its pods (controllers recreate theirs as Pending)."""
        with self._lock:
            self.store.delete("nodes", name)
            for key, pod in list(self.store.objects["pods"].items()):
                if pod["spec"].get("nodeName") == name:
                    self._delete_pod(key)
            self._schedule()

    def add_pod(self, pod: Obj) -> str:
        """Add a pod as given (Pending without ``spec.nodeName``; bound and Running with it)."""
        with self._lock:
            key = pod_key(pod)
            pod.setdefault("metadata", {}).setdefault("uid", builders.uid("pod", key))
            pod["metadata"].setdefault("creationTimestamp", rfc3339(self.clock.now()))
            if pod.get("spec", {}).get("nodeName"):
                self._mark_running(pod)
            self.store.put("pods", key, pod)
            self._after_pod_change(pod["metadata"].get("namespace", "default"))
            self._schedule()
        return key

    def add_pdb(self, namespace: str, name: str, match_labels: dict[str, str], *, min_available: int | str | None = None,
                max_unavailable: int | str | None = None) -> None:
        """Add a PodDisruptionBudget; its status follows the pods it selects."""
        with self._lock:
            pdb = builders.pdb_object(namespace, name, match_labels, min_available, max_unavailable, self.clock.now())
            pdb["status"] = pdb_status(pdb, self._pods_in(namespace))
            self.store.put("pdbs", f"{namespace}/{name}", pdb)

    def add_pv(self, name: str, claim_namespace: str, claim_name: str, zone: str) -> None:
        """Add a zonal PersistentVolume bound to ``claim_namespace/claim_name``."""
        with self._lock:
            self.store.put("pvs", name, builders.pv_object(name, claim_namespace, claim_name, zone))
            self._schedule()

    def set_usage(self, key: str, cpu_m: int, memory_mib: int) -> None:
        """What metrics-server reports for a pod ``namespace/name``."""
        with self._lock:
            self.usage[key] = (cpu_m, memory_mib)

    def signal_spot_interruption(self, node: str, kind: str = "spot-itn") -> None:
        """What the Node Termination Handler does on a spot notice: taint the node and record an Event."""
        reason = {"spot-itn": "SpotInterruption", "rebalance-recommendation": "RebalanceRecommendation"}.get(
            kind, "ScheduledEvent")
        with self._lock:
            current = self.store.objects["nodes"][node]
            taints = [*current["spec"].get("taints", []),
                      {"key": f"aws-node-termination-handler/{kind}", "value": "true", "effect": "NoSchedule"}]
            self.patch_node(node, {"spec": {"taints": taints}})
            now = rfc3339(self.clock.now())
            name = f"{node}.{reason.lower()}.{self.store.resource_version}"
            self.store.put("events", f"default/{name}", {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": "default"},
                "involvedObject": {"kind": "Node", "name": node, "apiVersion": "v1"},
                "reason": reason, "message": f"{reason} notice received for {node}", "type": "Normal",
                "source": {"component": "aws-node-termination-handler"},
                "reportingComponent": "aws-node-termination-handler",
                "firstTimestamp": now, "lastTimestamp": now, "count": 1})

    # ---- time ----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Let time act: booted nodes turn Ready, started pods turn Ready, pending pods get scheduled."""
        now = self.clock.now()
        with self._lock:
            for name, at in list(self._ready_at.items()):
                node = self.store.objects["nodes"].get(name)
                if node is None:
                    self._ready_at.pop(name)
                elif at <= now:
                    self._ready_at.pop(name)
                    node["status"]["conditions"] = [builders.node_ready_condition(True, now)]
                    self.store.put("nodes", name, node)
                    self.workloads.node_ready(name)
            for key, at in list(self._started_at.items()):
                pod = self.store.objects["pods"].get(key)
                if pod is None:
                    self._started_at.pop(key)
                elif at <= now:
                    self._started_at.pop(key)
                    self._set_ready(pod, now)
                    self.store.put("pods", key, pod)
                    self._after_pod_change(pod["metadata"]["namespace"])
            self.terminate_claims()
            self._schedule()

    # ---- internals -----------------------------------------------------------------------------
    def _pods_in(self, namespace: str) -> list[Obj]:
        return [p for p in self.store.objects["pods"].values() if p["metadata"].get("namespace") == namespace]

    def _volume_zones(self, pod: Obj) -> list[str]:
        zones: set[str] = set()
        claims = {f"{pod['metadata'].get('namespace', 'default')}/{c}" for c in pvc_names(pod)}
        if claims:
            for pv in self.store.objects["pvs"].values():
                if pv_claim(pv) in claims:
                    zones.update(pv_zones(pv))
        return sorted(zones)

    def _schedule(self) -> None:
        if self._batching:
            return
        pending = [p for p in self.store.objects["pods"].values()
                   if not p["spec"].get("nodeName") and not is_finished(p)]
        if not pending:
            return
        pods = list(self.store.objects["pods"].values())
        node_rooms = rooms(list(self.store.objects["nodes"].values()), pods, self._pod_requests)
        touched: set[str] = set()
        for pod in sorted(pending, key=lambda p: (-(p["spec"].get("priority") or 0), p["metadata"]["name"])):
            target = pick_node(pod, node_rooms, pods, self._volume_zones(pod), self._pod_requests(pod))
            if target is None:
                continue
            pod["spec"]["nodeName"] = target
            self._mark_running(pod)
            room = node_rooms[target]
            for name, amount in self._pod_requests(pod).items():
                room.used[name] = room.used.get(name, 0) + amount
            room.used["pods"] = room.used.get("pods", 0) + 1
            self.store.put("pods", pod_key(pod), pod)
            touched.add(pod["metadata"]["namespace"])
        for namespace in touched:
            self._after_pod_change(namespace)

    def _pod_requests(self, pod: Obj) -> dict[str, int]:
        """A pod's requests, parsed once per pod (container requests never change)."""
        key = f"{pod_key(pod)}#{pod['metadata'].get('uid', '')}"
        found = self._requests.get(key)
        if found is None:
            found = self._requests[key] = requests(pod)
        return found

    def _mark_running(self, pod: Obj) -> None:
        now = self.clock.now()
        pod.setdefault("status", {}).update({"phase": "Running", "hostIP": "10.0.0.1", "startTime": rfc3339(now)})
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
        if self.pod_start.total_seconds() <= 0:
            self._set_ready(pod, now)
        else:
            self._started_at[pod_key(pod)] = now + self.pod_start

    @staticmethod
    def _set_ready(pod: Obj, now: Any) -> None:
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"},
                                       {"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(now)}]

    def _after_pod_change(self, namespace: str) -> None:
        if self._batching:
            return
        pods = self._pods_in(namespace)
        for key, pdb in list(self.store.objects["pdbs"].items()):
            if pdb["metadata"]["namespace"] == namespace:
                status = pdb_status(pdb, pods)
                if status != pdb.get("status"):
                    pdb["status"] = status
                    self.store.put("pdbs", key, pdb)

    def _delete_pod(self, key: str) -> None:
        pod = self.store.delete("pods", key)
        if pod is not None:
            self._requests.pop(f"{key}#{pod['metadata'].get('uid', '')}", None)
            self._started_at.pop(key, None)
            self.workloads.pod_gone(pod)
            self._after_pod_change(pod["metadata"]["namespace"])

    # ---- KubePort ------------------------------------------------------------------------------
    def list(self, kind: Kind) -> Listing:
        """Every object of a kind, with the list's resourceVersion."""
        with self._lock:
            return Listing([self._copy(o) for o in self.store.objects[kind].values()], self.store.resource_version)

    def list_raw(self, kind: str) -> tuple[bytes, str]:
        """A kind's objects serialized as a JSON array, and the resourceVersion (for the HTTP server)."""
        with self._lock:
            return json.dumps(list(self.store.objects[kind].values())).encode(), self.store.resource_version

    def watch(self, kind: Kind, resource_version: str, timeout_s: float) -> Iterator[tuple[str, Obj]]:
        """Events of a kind after ``resource_version``, waiting up to ``timeout_s`` for more."""
        for line in self.store.watch_lines(kind, resource_version, timeout_s):
            event = json.loads(line)
            yield event["type"], event["object"]

    def get_node(self, name: str) -> Obj:
        """One node."""
        with self._lock:
            node = self.store.objects["nodes"].get(name)
            if node is None:
                raise NotFound(404, f'nodes "{name}" not found', "NotFound")
            return self._copy(node)

    def patch_node(self, name: str, patch: Obj) -> Obj:
        """Merge-patch a node (a stale ``metadata.resourceVersion`` in the patch → 409)."""
        with self._lock:
            node = self.store.objects["nodes"].get(name)
            if node is None:
                raise NotFound(404, f'nodes "{name}" not found', "NotFound")
            want_rv = (patch.get("metadata") or {}).get("resourceVersion")
            if want_rv is not None and want_rv != node["metadata"]["resourceVersion"]:
                raise Conflict(409, f'Operation cannot be fulfilled on nodes "{name}": the object has been modified;'
                               " please apply your changes to the latest version and try again", "Conflict")
            patch = copy.deepcopy(patch)
            (patch.get("metadata") or {}).pop("resourceVersion", None)
            merge_patch(node, patch)
            self.store.put("nodes", name, node)
            self._schedule()
            return self._copy(node)

    def patch_pod(self, namespace: str, name: str, patch: Obj) -> Obj:
        """Merge-patch a pod."""
        key = f"{namespace}/{name}"
        with self._lock:
            pod = self.store.objects["pods"].get(key)
            if pod is None:
                raise NotFound(404, f'pods "{name}" not found', "NotFound")
            merge_patch(pod, patch)
            self.store.put("pods", key, pod)
            return self._copy(pod)

    def evict(self, namespace: str, name: str) -> Eviction:
        """The Eviction API: 429 when a PDB allows no disruption, else the pod goes (and is replaced)."""
        key = f"{namespace}/{name}"
        with self._lock:
            pod = self.store.objects["pods"].get(key)
            if pod is None:
                return Eviction("gone", f'pods "{name}" not found')
            labels = pod["metadata"].get("labels") or {}
            pdbs = [p for p in self.store.objects["pdbs"].values()
                    if p["metadata"]["namespace"] == namespace and label_selector_matches(p["spec"].get("selector"), labels)]
            if len(pdbs) > 1:
                raise Conflict(500, "This pod has more than one PodDisruptionBudget, which the eviction subresource"
                               " does not support.", "InternalError")
            if pdbs and is_ready(pod) and pdbs[0]["status"]["disruptionsAllowed"] <= 0:
                status = pdbs[0]["status"]
                return Eviction("blocked", f"The disruption budget {pdbs[0]['metadata']['name']} needs "
                                f"{status['desiredHealthy']} healthy pods and has {status['currentHealthy']} currently",
                                pdbs[0]["metadata"]["name"])
            self.evictions.append(key)
            self._delete_pod(key)
            self._schedule()
            return Eviction("evicted")

    def pod(self, key: str) -> Obj | None:
        """One pod ``namespace/name`` (a copy), or None."""
        with self._lock:
            found = self.store.objects["pods"].get(key)
            return self._copy(found) if found else None

    def pods_on(self, node: str) -> list[str]:
        """Keys of the pods bound to a node."""
        with self._lock:
            return sorted(k for k, p in self.store.objects["pods"].items() if p["spec"].get("nodeName") == node)

    def pending(self) -> list[str]:
        """Keys of the pods nobody could schedule."""
        with self._lock:
            return sorted(k for k, p in self.store.objects["pods"].items() if not p["spec"].get("nodeName"))

    def owner_of(self, key: str) -> tuple[str | None, str | None]:
        """The controlling owner of a pod."""
        pod = self.pod(key)
        return owner(pod) if pod else (None, None)
