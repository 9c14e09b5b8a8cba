"""The Kubernetes port: the few calls the agent makes, on plain Kubernetes JSON (dicts).

The real adapter (``kube_lightkube``) and the in-memory simulator both implement it, so the agent loop
never knows which one it talks to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Obj = dict[str, Any]
Kind = Literal["nodes", "pods", "pdbs", "pvs", "events"]
KINDS: tuple[Kind, ...] = ("nodes", "pods", "pdbs", "pvs", "events")
#: Karpenter's cluster-scoped objects the agent reads and changes (hibernation).
KarpenterKind = Literal["nodepools", "nodeclaims"]


class KubeError(Exception):
    """A Kubernetes API call failed; ``code`` is the HTTP status (0 when the server was unreachable)."""

    def __init__(self, code: int, message: str, reason: str = "") -> None:
        super().__init__(f"{code} {reason}: {message}".strip())
        self.code = code
        self.message = message
        self.reason = reason


class Conflict(KubeError):
    """409: the object changed since it was read (optimistic concurrency) or already exists."""


class Gone(KubeError):
    """410: the watch's resourceVersion is too old; list again."""


class NotFound(KubeError):
    """404."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A full list of one kind at one resourceVersion."""

    items: list[Obj]
    resource_version: str


@dataclass(frozen=True, slots=True)
class Eviction:
    """What the Eviction API said: ``evicted`` (201), ``blocked`` (429, with the PDB named) or ``gone`` (404)."""

    outcome: Literal["evicted", "blocked", "gone"]
    message: str = ""
    pdb: str | None = None


@dataclass(slots=True)
class ApiCounters:
    """Requests made and bytes received, for the status page and the benchmark."""

    requests: int = 0
    bytes_received: int = 0
    by_verb: dict[str, int] = field(default_factory=dict)

    def count(self, verb: str, nbytes: int = 0) -> None:
        """Record one request."""
        self.requests += 1
        self.bytes_received += nbytes
        self.by_verb[verb] = self.by_verb.get(verb, 0) + 1


class KubePort(Protocol):
    """What the agent needs from a Kubernetes API server."""

    def list(self, kind: Kind) -> Listing:
        """Every object of ``kind`` (all namespaces) and the list's resourceVersion."""
        ...

    def watch(self, kind: Kind, resource_version: str, timeout_s: float) -> Iterator[tuple[str, Obj]]:
        """``(ADDED|MODIFIED|DELETED, object)`` after ``resource_version`` until ``timeout_s``; ``Gone`` if too old."""
        ...

    def get_node(self, name: str) -> Obj:
        """One node (``NotFound`` when absent)."""
        ...

    def patch_node(self, name: str, patch: Obj) -> Obj:
        """JSON merge patch of a node; ``Conflict`` when ``metadata.resourceVersion`` in the patch is stale."""
        ...

    def patch_pod(self, namespace: str, name: str, patch: Obj) -> Obj:
        """JSON merge patch of a pod (annotations only, in practice)."""
        ...

    def evict(self, namespace: str, name: str) -> Eviction:
        """Ask the Eviction API to evict one pod; PDBs decide."""
        ...

    def get_lease(self, namespace: str, name: str) -> Obj | None:
        """The Lease, or None when it does not exist."""
        ...

    def create_lease(self, namespace: str, lease: Obj) -> Obj:
        """Create a Lease; ``Conflict`` when another replica created it first."""
        ...

    def replace_lease(self, namespace: str, lease: Obj) -> Obj:
        """Replace a Lease at its ``metadata.resourceVersion``; ``Conflict`` when someone else wrote it."""
        ...

    def create_event(self, namespace: str, event: Obj) -> None:
        """Record a core/v1 Event (what the agent did, visible in ``kubectl describe``)."""
        ...

    def node_metrics(self) -> list[Obj]:
        """``metrics.k8s.io/v1beta1`` NodeMetrics (empty when metrics-server is absent)."""
        ...

    def pod_metrics(self) -> list[Obj]:
        """``metrics.k8s.io/v1beta1`` PodMetrics of every namespace (empty when metrics-server is absent)."""
        ...

    def apply(self, obj: Obj, field_manager: str) -> Obj:
        """Server-side apply of a cluster-scoped custom object (Karpenter NodePool / EC2NodeClass)."""
        ...

    def list_karpenter(self, kind: KarpenterKind) -> list[Obj]:
        """Every Karpenter NodePool or NodeClaim (``karpenter.sh/v1``)."""
        ...

    def patch_karpenter(self, kind: KarpenterKind, name: str, patch: Obj) -> Obj:
        """JSON merge patch of one; ``Conflict`` when ``metadata.resourceVersion`` in the patch is stale."""
        ...

    def delete_karpenter(self, kind: KarpenterKind, name: str) -> None:
        """Delete one (Karpenter's finalizer then drains and terminates a NodeClaim's node); ``NotFound`` if gone."""
        ...
