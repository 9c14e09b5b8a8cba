"""Karpenter in the simulator: NodePools, NodeClaims and the termination controller's graceful drain.

As Karpenter documents it (concepts/disruption, "Termination Controller"): deleting a NodeClaim only sets
its ``deletionTimestamp`` (the ``karpenter.sh/termination`` finalizer holds it); the controller taints the
node ``karpenter.sh/disrupted:NoSchedule`` and evicts its pods through the Eviction API, so PDBs are
honoured, leaving out DaemonSet, mirror and finished pods and pods tolerating that taint; a pod annotated
``karpenter.sh/do-not-disrupt`` is never evicted and holds the node until it is gone. Once the node is
drained, the instance is terminated: the node and the NodeClaim disappear. Provisioning is not simulated.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from spothive_agent.clock import rfc3339
from spothive_agent.kube import Conflict, NotFound
from spothive_agent.podinfo import do_not_disrupt, is_daemonset, is_finished, is_mirror, pod_key
from spothive_agent.selectors import tolerates
from spothive_agent.simulator import builders
from spothive_agent.simulator.seed import NodeSpec

if TYPE_CHECKING:
    from spothive_agent.kube import Eviction
    from spothive_agent.simulator.store import Store

Obj = dict[str, Any]
DISRUPTED_TAINT: Obj = {"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}
NODEPOOL_LABEL = "karpenter.sh/nodepool"
FINALIZER = "karpenter.sh/termination"


class KarpenterApis:
    """Mixed into SimCluster (which provides the store, the clock, ``add_node``, ``remove_node``, ``evict``)."""

    store: Store
    clock: Any
    _lock: Any

    if TYPE_CHECKING:
        def add_node(self, spec: NodeSpec | dict[str, Any], ready: bool = True) -> str: ...
        def remove_node(self, name: str) -> None: ...
        def evict(self, namespace: str, name: str) -> Eviction: ...
        def patch_node(self, name: str, patch: Obj) -> Obj: ...

    def add_nodepool(self, name: str, limits: dict[str, Any] | None = None, labels: dict[str, str] | None = None,
                     budgets: list[Obj] | None = None) -> None:
        """A ``karpenter.sh/v1`` NodePool (``limits`` omitted: none)."""
        spec: Obj = {"template": {"spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                                             "name": "default"}, "requirements": []}},
                     "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                                    "budgets": budgets or [{"nodes": "10%"}]}}
        if limits is not None:
            spec["limits"] = dict(limits)
        obj = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool",
               "metadata": {"name": name, "labels": dict(labels or {}), "annotations": {},
                            "uid": builders.uid("nodepool", name), "creationTimestamp": rfc3339(self.clock.now())},
               "spec": spec}
        with self._lock:
            self.store.put("nodepools", name, obj)

    def add_karpenter_node(self, spec: NodeSpec | dict[str, Any], nodepool: str) -> str:
        """A node Karpenter launched for ``nodepool``, with its NodeClaim (named after the node)."""
        s = spec if isinstance(spec, NodeSpec) else NodeSpec(**spec)
        s = NodeSpec(s.name, s.instance_type, s.zone, s.allocatable, s.capacity_type,
                     {**s.labels, NODEPOOL_LABEL: nodepool}, s.taints, s.arch)
        with self._lock:
            name = self.add_node(s)
            claim = {"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
                     "metadata": {"name": f"{name}-claim", "labels": {NODEPOOL_LABEL: nodepool},
                                  "finalizers": [FINALIZER], "uid": builders.uid("nodeclaim", name),
                                  "creationTimestamp": rfc3339(self.clock.now())},
                     "spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                               "name": "default"}},
                     "status": {"nodeName": name, "providerID": self.store.objects["nodes"][name]["spec"]["providerID"]}}
            self.store.put("nodeclaims", claim["metadata"]["name"], claim)
        return name

    # ---- the port ------------------------------------------------------------------------------
    def list_karpenter(self, kind: str) -> list[Obj]:
        """NodePools or NodeClaims (copies)."""
        with self._lock:
            return [copy.deepcopy(o) for o in self.store.objects[kind].values()]

    def patch_karpenter(self, kind: str, name: str, patch: Obj) -> Obj:
        """Merge-patch a NodePool or NodeClaim (a stale ``metadata.resourceVersion`` → 409)."""
        from spothive_agent.simulator.cluster import merge_patch

        with self._lock:
            current = self.store.objects[kind].get(name)
            if current is None:
                raise NotFound(404, f'{kind}.karpenter.sh "{name}" not found', "NotFound")
            want = (patch.get("metadata") or {}).get("resourceVersion")
            if want is not None and want != current["metadata"]["resourceVersion"]:
                raise Conflict(409, f'Operation cannot be fulfilled on {kind}.karpenter.sh "{name}": the object has '
                               "been modified; please apply your changes to the latest version and try again",
                               "Conflict")
            patch = copy.deepcopy(patch)
            (patch.get("metadata") or {}).pop("resourceVersion", None)
            merge_patch(current, patch)
            return copy.deepcopy(self.store.put(kind, name, current))

    def delete_karpenter(self, kind: str, name: str) -> None:
        """Delete: a NodeClaim is marked for termination (its finalizer), anything else goes at once."""
        with self._lock:
            current = self.store.objects[kind].get(name)
            if current is None:
                raise NotFound(404, f'{kind}.karpenter.sh "{name}" not found', "NotFound")
            if current["metadata"].get("finalizers"):
                if not current["metadata"].get("deletionTimestamp"):
                    current["metadata"]["deletionTimestamp"] = rfc3339(self.clock.now())
                    self.store.put(kind, name, current)
                return
            self.store.delete(kind, name)

    # ---- the termination controller -------------------------------------------------------------
    def terminate_claims(self) -> None:
        """One pass of Karpenter's termination controller over the NodeClaims being deleted."""
        with self._lock:
            for name, claim in list(self.store.objects["nodeclaims"].items()):
                if claim["metadata"].get("deletionTimestamp"):
                    self._terminate(name, claim)

    def _terminate(self, claim_name: str, claim: Obj) -> None:
        node_name = (claim.get("status") or {}).get("nodeName")
        node = self.store.objects["nodes"].get(node_name) if node_name else None
        if node is not None:
            taints = node["spec"].get("taints") or []
            if not any(t.get("key") == DISRUPTED_TAINT["key"] for t in taints):
                self.patch_node(node_name, {"spec": {"taints": [*taints, dict(DISRUPTED_TAINT)]}})
            held = False
            for pod in [p for p in self.store.objects["pods"].values() if p["spec"].get("nodeName") == node_name]:
                if is_daemonset(pod) or is_mirror(pod) or is_finished(pod):
                    continue
                if tolerates(pod["spec"].get("tolerations") or [], DISRUPTED_TAINT):
                    continue
                if do_not_disrupt(pod):
                    held = True
                    continue
                namespace, pod_name = pod_key(pod).split("/", 1)
                if self.evict(namespace, pod_name).outcome == "blocked":
                    held = True
            if held:
                return
            self.remove_node(node_name)
        self.store.delete("nodeclaims", claim_name)
