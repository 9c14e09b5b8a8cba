"""The real Kubernetes adapter, on lightkube (see docs/adr/0004-agent-kubernetes-client.md for why)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
from lightkube import ApiError, Client, KubeConfig
from lightkube.generic_resource import create_global_resource, create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.coordination_v1 import Lease
from lightkube.resources.core_v1 import Event, Node, PersistentVolume, Pod
from lightkube.resources.policy_v1 import PodDisruptionBudget
from lightkube.types import PatchType

from spothive_agent.kube import (
    ApiCounters,
    Conflict,
    Eviction,
    Gone,
    KarpenterKind,
    Kind,
    KubeError,
    Listing,
    NotFound,
    Obj,
)

NodeMetrics = create_global_resource("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes")
PodMetrics = create_namespaced_resource("metrics.k8s.io", "v1beta1", "PodMetrics", "pods")
NodePool = create_global_resource("karpenter.sh", "v1", "NodePool", "nodepools")
EC2NodeClass = create_global_resource("karpenter.k8s.aws", "v1", "EC2NodeClass", "ec2nodeclasses")
NodeClaim = create_global_resource("karpenter.sh", "v1", "NodeClaim", "nodeclaims")
CUSTOM = {("karpenter.sh/v1", "NodePool"): NodePool, ("karpenter.k8s.aws/v1", "EC2NodeClass"): EC2NodeClass}
KARPENTER: dict[str, Any] = {"nodepools": NodePool, "nodeclaims": NodeClaim}
RESOURCES: dict[str, Any] = {"nodes": Node, "pods": Pod, "pdbs": PodDisruptionBudget, "pvs": PersistentVolume,
                             "events": Event}
NAMESPACED = {"pods", "pdbs", "events"}
FIELDS = {"events": {"involvedObject.kind": "Node"}}  # only Node events carry spot signals
LIST_CHUNK = 500  # paginated lists: a bounded response per request for the API server and for the agent
_BUDGET = re.compile(r"disruption budget (\S+)")


def _error(exc: ApiError) -> KubeError:
    status = exc.status
    code, message, reason = int(status.code or 0), status.message or str(exc), status.reason or ""
    cls = {409: Conflict, 410: Gone, 404: NotFound}.get(code, KubeError)
    return cls(code, message, reason)


class _CountingTransport(httpx2.BaseTransport):
    """Counts requests (and the bytes of responses that declare their length) on the way through."""

    def __init__(self, inner: httpx2.BaseTransport, counters: ApiCounters) -> None:
        self._inner, self._counters, self._lock = inner, counters, threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        with self._lock:
            self._counters.count(request.method, int(response.headers.get("content-length") or 0))
        return response

    def close(self) -> None:
        self._inner.close()


def load_config(kubeconfig: str | None, context: str | None, in_cluster: bool) -> KubeConfig:
    """The service account's config in-cluster, else the kubeconfig file (``$KUBECONFIG``/``~/.kube/config``)."""
    if in_cluster:
        return KubeConfig.from_service_account()
    if kubeconfig:
        return KubeConfig.from_file(Path(kubeconfig).expanduser())
    return KubeConfig.from_env()


class LightkubePort:
    """KubePort on a lightkube Client; objects cross the port as plain Kubernetes JSON."""

    def __init__(self, config: KubeConfig, context: str | None = None, timeout_s: float = 15.0) -> None:
        self.counters = ApiCounters()
        transport = _CountingTransport(httpx2.HTTPTransport(), self.counters)
        single = config.get(context)
        self._client = Client(config=single, timeout=httpx2.Timeout(timeout_s), field_manager="spothive-agent",
                              transport=transport, trust_env=False)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise _error(exc) from exc
        except httpx2.HTTPError as exc:
            raise KubeError(0, f"API server unreachable: {exc}", "Unreachable") from exc

    def list(self, kind: Kind) -> Listing:
        """All objects of a kind in every namespace."""
        extra: dict[str, Any] = {"namespace": "*"} if kind in NAMESPACED else {}
        if kind in FIELDS:
            extra["fields"] = FIELDS[kind]

        def run() -> Listing:
            found = self._client.list(RESOURCES[kind], chunk_size=LIST_CHUNK, **extra)
            items = [o.to_dict() for o in found]
            rv = found.resourceVersion if items or getattr(found, "_resourceVersion", None) else ""
            return Listing(items, rv)

        listing: Listing = self._call(run)
        return listing

    def watch(self, kind: Kind, resource_version: str, timeout_s: float) -> Iterator[tuple[str, Obj]]:
        """Watch from ``resource_version``; lightkube re-opens the watch itself, so this ends only on error."""
        extra: dict[str, Any] = {"namespace": "*"} if kind in NAMESPACED else {}
        if kind in FIELDS:
            extra["fields"] = FIELDS[kind]
        stream = self._client.watch(RESOURCES[kind], resource_version=resource_version,
                                    server_timeout=max(1, int(timeout_s)), **extra)
        try:
            for event_type, obj in stream:
                yield event_type, obj.to_dict()
        except ApiError as exc:
            raise _error(exc) from exc
        except httpx2.HTTPError as exc:
            raise KubeError(0, f"watch of {kind} broke: {exc}", "Unreachable") from exc

    def get_node(self, name: str) -> Obj:
        """One node."""
        node: Obj = self._call(self._client.get, Node, name).to_dict()
        return node

    def patch_node(self, name: str, patch: Obj) -> Obj:
        """JSON merge patch of a node."""
        node: Obj = self._call(self._client.patch, Node, name, patch, patch_type=PatchType.MERGE).to_dict()
        return node

    def patch_pod(self, namespace: str, name: str, patch: Obj) -> Obj:
        """JSON merge patch of a pod."""
        pod: Obj = self._call(self._client.patch, Pod, name, patch, namespace=namespace,
                              patch_type=PatchType.MERGE).to_dict()
        return pod

    def evict(self, namespace: str, name: str) -> Eviction:
        """POST the pod's eviction subresource: 201 evicted, 429 blocked by a PDB, 404 already gone."""
        body = Pod.Eviction(metadata=ObjectMeta(name=name, namespace=namespace))
        try:
            self._client.create(body, name=name, namespace=namespace)
        except ApiError as exc:
            code = int(exc.status.code or 0)
            if code == 404:
                return Eviction("gone", exc.status.message or "")
            if code == 429:
                causes = (exc.status.details.causes or []) if exc.status.details else []
                text = " ".join(c.message or "" for c in causes) or (exc.status.message or "")
                found = _BUDGET.search(text)
                return Eviction("blocked", text, found[1] if found else None)
            raise _error(exc) from exc
        except httpx2.HTTPError as exc:
            raise KubeError(0, f"API server unreachable: {exc}", "Unreachable") from exc
        return Eviction("evicted")

    def get_lease(self, namespace: str, name: str) -> Obj | None:
        """The Lease or None."""
        try:
            lease: Obj = self._call(self._client.get, Lease, name, namespace=namespace).to_dict()
        except NotFound:
            return None
        return lease

    def create_lease(self, namespace: str, lease: Obj) -> Obj:
        """Create a Lease (Conflict when it exists)."""
        created: Obj = self._call(self._client.create, Lease.from_dict(lease), namespace=namespace).to_dict()
        return created

    def replace_lease(self, namespace: str, lease: Obj) -> Obj:
        """Replace a Lease at its resourceVersion (Conflict when stale)."""
        replaced: Obj = self._call(self._client.replace, Lease.from_dict(lease), namespace=namespace).to_dict()
        return replaced

    def create_event(self, namespace: str, event: Obj) -> None:
        """Record an Event."""
        self._call(self._client.create, Event.from_dict(event), namespace=namespace)

    def _metrics(self, res: Any, **extra: Any) -> list[Obj]:
        try:
            return [o.to_dict() for o in self._call(lambda: list(self._client.list(res, **extra)))]
        except KubeError as exc:
            if exc.code in (404, 503):
                return []  # metrics-server is not installed or not ready
            raise

    def node_metrics(self) -> list[Obj]:
        """NodeMetrics (empty without metrics-server)."""
        return self._metrics(NodeMetrics)

    def pod_metrics(self) -> list[Obj]:
        """PodMetrics of all namespaces (empty without metrics-server)."""
        return self._metrics(PodMetrics, namespace="*")

    def apply(self, obj: Obj, field_manager: str) -> Obj:
        """Server-side apply of a Karpenter NodePool or EC2NodeClass."""
        res = CUSTOM.get((obj.get("apiVersion", ""), obj.get("kind", "")))
        if res is None:
            raise KubeError(422, f"not a Karpenter NodePool/EC2NodeClass: {obj.get('apiVersion')} {obj.get('kind')}",
                            "Invalid")
        applied: Obj = self._call(self._client.apply, res.from_dict(obj), field_manager=field_manager,
                                  force=True).to_dict()
        return applied

    def list_karpenter(self, kind: KarpenterKind) -> list[Obj]:
        """Every NodePool or NodeClaim."""
        found: list[Obj] = self._call(lambda: [o.to_dict() for o in self._client.list(KARPENTER[kind])])
        return found

    def patch_karpenter(self, kind: KarpenterKind, name: str, patch: Obj) -> Obj:
        """JSON merge patch of a NodePool or NodeClaim."""
        patched: Obj = self._call(self._client.patch, KARPENTER[kind], name, patch,
                                  patch_type=PatchType.MERGE).to_dict()
        return patched

    def delete_karpenter(self, kind: KarpenterKind, name: str) -> None:
        """Delete a NodePool or NodeClaim (its finalizer keeps it until Karpenter has drained the node)."""
        self._call(self._client.delete, KARPENTER[kind], name)
