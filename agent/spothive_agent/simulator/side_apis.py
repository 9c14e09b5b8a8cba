"""The simulator's side APIs: Leases, Events, metrics.k8s.io and Karpenter custom resources."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from spothive_agent.clock import rfc3339
from spothive_agent.kube import Conflict, NotFound
from spothive_agent.podinfo import is_finished, pod_key, requests
from spothive_agent.quantities import cpu_millis, memory_mib
from spothive_agent.simulator.scheduler import node_ready

if TYPE_CHECKING:
    from spothive_agent.simulator.store import Store

Obj = dict[str, Any]
CUSTOM = {("karpenter.sh/v1", "NodePool"): "nodepools", ("karpenter.k8s.aws/v1", "EC2NodeClass"): "ec2nodeclasses"}


class SideApis:
    """Mixed into SimCluster."""

    store: Store
    usage: dict[str, tuple[int, int]]
    clock: Any
    _lock: Any

    @staticmethod
    def _copy(obj: Obj) -> Obj:
        result: Obj = json.loads(json.dumps(obj))
        return result

    def get_lease(self, namespace: str, name: str) -> Obj | None:
        """A Lease or None."""
        with self._lock:
            lease = self.store.objects["leases"].get(f"{namespace}/{name}")
            return self._copy(lease) if lease else None

    def create_lease(self, namespace: str, lease: Obj) -> Obj:
        """Create a Lease (409 AlreadyExists when present)."""
        name = lease["metadata"]["name"]
        with self._lock:
            if f"{namespace}/{name}" in self.store.objects["leases"]:
                raise Conflict(409, f'leases.coordination.k8s.io "{name}" already exists', "AlreadyExists")
            lease = self._copy(lease)
            lease["metadata"]["namespace"] = namespace
            return self._copy(self.store.put("leases", f"{namespace}/{name}", lease))

    def replace_lease(self, namespace: str, lease: Obj) -> Obj:
        """Replace a Lease at its resourceVersion (409 Conflict when someone wrote it since)."""
        name, key = lease["metadata"]["name"], f"{namespace}/{lease['metadata']['name']}"
        with self._lock:
            current = self.store.objects["leases"].get(key)
            if current is None:
                raise NotFound(404, f'leases.coordination.k8s.io "{name}" not found', "NotFound")
            if lease["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                raise Conflict(409, f'Operation cannot be fulfilled on leases.coordination.k8s.io "{name}": the object'
                               " has been modified; please apply your changes to the latest version and try again",
                               "Conflict")
            return self._copy(self.store.put("leases", key, self._copy(lease)))

    def create_event(self, namespace: str, event: Obj) -> None:
        """Record an Event."""
        with self._lock:
            event = self._copy(event)
            meta = event.setdefault("metadata", {})
            meta["namespace"] = namespace
            meta.setdefault("name", f"{meta.pop('generateName', 'spothive-')}{self.store.resource_version}")
            self.store.put("events", f"{namespace}/{meta['name']}", event)

    def pod_metrics(self) -> list[Obj]:
        """PodMetrics: the usage set per pod, else 30 % of CPU and 50 % of memory requested."""
        now = rfc3339(self.clock.now())
        out = []
        with self._lock:
            for key, pod in self.store.objects["pods"].items():
                if not pod["spec"].get("nodeName") or is_finished(pod):
                    continue
                req = requests(pod)
                cpu, mem = self.usage.get(key, (max(1, req.get("cpu", 0) * 3 // 10), max(1, req.get("memory", 0) // 2)))
                out.append({"metadata": {"name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"]},
                            "timestamp": now, "window": "30s",
                            "containers": [{"name": "app", "usage": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"}}]})
        return out

    def node_metrics(self) -> list[Obj]:
        """NodeMetrics: the sum of the node's pod usage plus a system share."""
        per_node: dict[str, list[int]] = {n: [100, 300] for n, o in self.store.objects["nodes"].items() if node_ready(o)}
        with self._lock:
            where = {pod_key(p): p["spec"].get("nodeName") for p in self.store.objects["pods"].values()}
        for m in self.pod_metrics():
            node = where.get(f"{m['metadata']['namespace']}/{m['metadata']['name']}")
            if node in per_node:
                usage = m["containers"][0]["usage"]
                per_node[node][0] += cpu_millis(usage["cpu"])
                per_node[node][1] += memory_mib(usage["memory"])
        now = rfc3339(self.clock.now())
        return [{"metadata": {"name": n}, "timestamp": now, "window": "30s",
                 "usage": {"cpu": f"{c}m", "memory": f"{m}Mi"}} for n, (c, m) in per_node.items()]

    def apply(self, obj: Obj, field_manager: str) -> Obj:
        """Server-side apply of a Karpenter NodePool or EC2NodeClass."""
        kind = CUSTOM.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if kind is None:
            raise NotFound(404, f"the server could not find the requested resource ({obj.get('apiVersion')}"
                           f" {obj.get('kind')})", "NotFound")
        name = obj["metadata"]["name"]
        with self._lock:
            current = self.store.objects[kind].get(name)
            applied = self._copy(obj)
            meta = applied["metadata"]
            meta["creationTimestamp"] = (current or {}).get("metadata", {}).get("creationTimestamp") or rfc3339(
                self.clock.now())
            meta["managedFields"] = [{"manager": field_manager, "operation": "Apply"}]
            return self._copy(self.store.put(kind, name, applied))

    def custom_objects(self, kind: str) -> dict[str, Obj]:
        """NodePools or EC2NodeClasses by name (for tests and the local stack)."""
        with self._lock:
            return {k: self._copy(v) for k, v in self.store.objects[kind].items()}
