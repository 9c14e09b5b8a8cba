"""The in-cluster agent: its token, heartbeats and action queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.audit import AuditEntry


class Heartbeats(Protocol):
    """When each cluster's agent last called in."""

    def beat(self, cluster_id: str, at: datetime) -> None: ...

    def last_seen(self, cluster_id: str) -> datetime | None: ...


class AgentTokens(Protocol):
    """Per-cluster agent tokens, stored only as SHA-256 hashes."""

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str, audit: AuditEntry) -> None:
        """Store the hash on the cluster and the audit record in one transaction (``NotFound`` if absent)."""
        ...

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        """``(org_id, cluster_id)`` of the cluster holding that token hash."""
        ...


class AgentActions(Protocol):
    """The per-cluster action stream the in-cluster agent consumes (``agent:actions:{cluster_id}``)."""

    def enqueue(self, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        """Append each action once per ``job_id`` + index (a retried call appends nothing new)."""
        ...

    def withdraw(self, cluster_id: str, job_id: str, count: int) -> Withdrawn:
        """Remove the job's first ``count`` entries the agent has not taken yet."""
        ...
