"""The agent's cluster simulator with a ledger attached: every node launch and removal, every pod's
creation (with its cause), binding and end, every eviction and forced deletion is journalled.

``ReplayCluster`` only adds bookkeeping and two controller moves the simulator lacks (scaling a
Deployment up and down); scheduling, PDB status, evictions and boot delays are the simulator's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from spothive.domain.catalog import Catalog
from spothive_agent.clock import FakeClock
from spothive_agent.kube import Eviction
from spothive_agent.podinfo import is_daemonset, is_ready
from spothive_agent.selectors import label_selector_matches
from spothive_agent.simulator.cluster import SimCluster
from spothive_agent.simulator.seed import NodeSpec

from .accounting import Ledger

Obj = dict[str, Any]
NAMESPACE = "openb"


def node_spec(catalog: Catalog, name: str, instance_type: str, capacity_type: str, zone: str) -> NodeSpec:
    """A node of ``instance_type`` with the catalog's allocatable capacity."""
    t = catalog.types[instance_type]
    alloc = {"cpu": f"{t.alloc_cpu_m}m", "memory": f"{t.alloc_memory_mib}Mi", "pods": str(t.max_pods)}
    return NodeSpec(name=name, instance_type=instance_type, zone=zone, allocatable=alloc,
                    capacity_type=capacity_type, arch=t.arch)


class ReplayCluster(SimCluster):
    """A SimCluster whose events land in a :class:`Ledger`."""

    def __init__(self, clock: FakeClock, catalog: Catalog, *, boot_delay_s: float = 90.0,
                 pod_start_s: float = 60.0) -> None:
        self.ledger = Ledger(clock.now())
        self.catalog = catalog
        self._cause = "load"
        self._serial = 0
        super().__init__(clock, boot_delay_s=boot_delay_s, pod_start_s=pod_start_s, history=5000)

    # ---- causes --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def cause(self, cause: str) -> Iterator[None]:
        """Pods created inside the block (controller replacements) carry ``cause``."""
        previous, self._cause = self._cause, cause
        try:
            yield
        finally:
            self._cause = previous

    # ---- nodes ---------------------------------------------------------------------------------
    def launch(self, instance_type: str, capacity_type: str, zone: str, by: str, ready: bool = False) -> str:
        """Launch an instance (NotReady until the boot delay passes unless ``ready``); returns its node name."""
        self._serial += 1
        name = f"{by}-{self._serial:05d}"
        price = self.catalog.price(instance_type, capacity_type, zone)
        if price is None:
            raise ValueError(f"{instance_type} has no {capacity_type} price in {zone}")
        self.ledger.node_launched(name, instance_type, capacity_type, zone, price, self.clock.now(), by)
        self.add_node(node_spec(self.catalog, name, instance_type, capacity_type, zone), ready=ready)
        return name

    def terminate(self, name: str, cause: str) -> None:
        """The instance is gone (``optimizer`` terminated it or an ``interruption`` reclaimed it)."""
        if name not in self.store.objects["nodes"]:
            return
        self.ledger.node_removed(name, self.clock.now(), cause)
        if cause == "optimizer":  # pods still on a node the optimizer terminates are deleted without eviction
            for key in self.workload_pods_on(name):
                self.ledger.forced(self.budget_spent(self.store.objects["pods"][key]))
        with self.cause("interruption" if cause == "interruption" else "optimizer"):
            self.remove_node(name)

    def node_names(self) -> list[str]:
        """Every node that exists now."""
        with self._lock:
            return sorted(self.store.objects["nodes"])

    def node_obj(self, name: str) -> Obj | None:
        """The live node object (not a copy: read only)."""
        return self.store.objects["nodes"].get(name)

    def workload_pods_on(self, name: str) -> list[str]:
        """Pods bound to a node, DaemonSet pods aside."""
        with self._lock:
            return sorted(k for k, p in self.store.objects["pods"].items()
                          if p["spec"].get("nodeName") == name and not is_daemonset(p))

    # ---- pods ----------------------------------------------------------------------------------
    def add_pod(self, pod: Obj) -> str:
        """The simulator's add_pod, journalled with the current cause."""
        bound = bool(pod.get("spec", {}).get("nodeName"))
        key = f"{pod['metadata'].get('namespace', 'default')}/{pod['metadata']['name']}"
        self.ledger.pod_created(key, self.clock.now(), self._cause, bound=bound)
        return super().add_pod(pod)

    def _mark_running(self, pod: Obj) -> None:
        super()._mark_running(pod)
        meta = pod["metadata"]
        self.ledger.pod_bound(f"{meta.get('namespace', 'default')}/{meta['name']}", self.clock.now())

    def _delete_pod(self, key: str) -> None:
        self.ledger.pod_ended(key, self.clock.now())
        super()._delete_pod(key)

    def evict_journalled(self, key: str) -> Eviction:
        """The Eviction API on behalf of the optimizer; the replacement pod's cause is ``optimizer``."""
        namespace, name = key.split("/", 1)
        with self.cause("optimizer"):
            result = self.evict(namespace, name)
        if result.outcome == "evicted":
            self.ledger.evicted()
        return result

    def force_delete(self, key: str) -> None:
        """Delete a pod as the optimizer, bypassing the Eviction API; a spent PDB makes it a violation."""
        with self._lock:
            pod = self.store.objects["pods"].get(key)
            if pod is None:
                return
            self.ledger.forced(self.budget_spent(pod))
            with self.cause("optimizer"):
                self._delete_pod(key)
                self._schedule()

    def budget_spent(self, pod: Obj) -> bool:
        """The pod is Ready and a PDB selecting it allows no disruption right now."""
        labels = pod["metadata"].get("labels") or {}
        namespace = pod["metadata"].get("namespace")
        for pdb in self.store.objects["pdbs"].values():
            if pdb["metadata"]["namespace"] == namespace and label_selector_matches(
                    pdb["spec"].get("selector"), labels):
                return is_ready(pod) and pdb["status"]["disruptionsAllowed"] <= 0
        return False

    # ---- Deployments -----------------------------------------------------------------------------
    def replicas(self, app: str) -> list[Obj]:
        """The live pods of a Deployment (by its ``app`` label)."""
        return [p for p in self.store.objects["pods"].values()
                if (p["metadata"].get("labels") or {}).get("app") == app]

    def scale(self, app: str, replicas: int) -> None:
        """Scale a Deployment: new pods are Pending (cause ``load``); scaling down deletes Pending pods
        first, then the newest, as the ReplicaSet controller does."""
        with self._lock:
            live = self.replicas(app)
            if len(live) < replicas:
                rs = next(k[1] for k in self.workloads._templates if k[1].startswith(f"{app}-"))
                with self.cause("load"):
                    for _ in range(replicas - len(live)):
                        self.workloads._stamp(NAMESPACE, rs)
            elif len(live) > replicas:
                pending = [p for p in live if not p["spec"].get("nodeName")]
                bound = sorted((p for p in live if p["spec"].get("nodeName")),
                               key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True)
                doomed = [*pending, *bound][: len(live) - replicas]
                for pod in doomed:
                    key = f"{NAMESPACE}/{pod['metadata']['name']}"
                    self.ledger.pod_ended(key, self.clock.now())
                    gone = self.store.delete("pods", key)
                    if gone is not None:
                        self._requests.pop(f"{key}#{gone['metadata'].get('uid', '')}", None)
                        self._started_at.pop(key, None)
                self._after_pod_change(NAMESPACE)
                self._schedule()
