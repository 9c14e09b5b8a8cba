"""The in-cluster agent: its token, heartbeats and action queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.agent_actions import AckOutcome, ResultOutcome, StoredAction
from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.audit import AuditEntry
from spothive.domain.worker_health import ActionBacklog


class Heartbeats(Protocol):
    """When each cluster's agent last called in (keyed by org and cluster)."""

    def beat(self, org_id: str, cluster_id: str, at: datetime) -> None: ...

    def last_seen(self, org_id: str, cluster_id: str) -> datetime | None: ...


class AgentTokens(Protocol):
    """Per-cluster agent tokens, stored only as SHA-256 hashes."""

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str, audit: AuditEntry) -> None:
        """Store the hash on the cluster and the audit record in one transaction (``NotFound`` if absent)."""
        ...

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        """``(org_id, cluster_id)`` of the cluster holding that token hash."""
        ...


class AgentActions(Protocol):
    """The actions queued for each cluster's agent, idempotent by action id (the source of truth)."""

    def enqueue(self, org_id: str, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        """Store each action once by its id (a retried call stores nothing new); ids in action order."""
        ...

    def withdraw(self, org_id: str, cluster_id: str, action_ids: Sequence[str]) -> Withdrawn:
        """Withdraw the still-queued ones; those the agent acknowledged already are reported as taken."""
        ...

    def pending(self, org_id: str, cluster_id: str, limit: int) -> list[StoredAction]:
        """Queued, unacknowledged actions of a cluster, oldest first."""
        ...

    def find(self, action_id: str) -> StoredAction | None:
        """The action with that id, whichever cluster it belongs to."""
        ...

    def acknowledge(self, org_id: str, cluster_id: str, action_id: str, at: datetime) -> AckOutcome | None:
        """Move ``queued → acknowledged`` by a conditional write; ``None`` when the cluster has no such action."""
        ...

    def record_result(self, org_id: str, cluster_id: str, action_id: str, result: Mapping[str, Any],
                      at: datetime) -> ResultOutcome | None:
        """Keep the first result of an acknowledged action (conditional write); ``None`` when absent."""
        ...


class ActionBacklogCounts(Protocol):
    """Counts of unfinished agent actions kept by the queue's own state changes (no Scan to read them)."""

    def backlog(self) -> ActionBacklog:
        """Every cluster's together (one read)."""
        ...

    def cluster_backlog(self, org_id: str, cluster_id: str) -> ActionBacklog:
        """One cluster's (one read)."""
        ...


class ActionWake(Protocol):
    """Wakes a long-poll when actions are queued for a cluster (best effort; the store is the truth)."""

    def notify(self, org_id: str, cluster_id: str) -> None: ...

    def wait(self, org_id: str, cluster_id: str, timeout_s: float) -> bool:
        """Block up to ``timeout_s``; True when woken by ``notify``."""
        ...


class SeenSignals(Protocol):
    """Which agent spot-signal ids a cluster reported before (deduplication)."""

    def first_seen(self, org_id: str, cluster_id: str, signal_ids: Sequence[str]) -> list[str]:
        """The ids never seen before, now marked seen."""
        ...


class UsageStore(Protocol):
    """The latest usage sample per cluster (pods' and nodes' CPU and memory), for right-sizing."""

    def save(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> None: ...

    def latest(self, org_id: str, cluster_id: str) -> dict[str, Any] | None: ...
