"""Optimization jobs and starting their workflow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from spothive.domain.audit import AuditEntry
from spothive.domain.jobs import Job, JobStatus


class JobsRepo(Protocol):
    """The ``jobs`` table. Audited writes land with their audit record in one transaction."""

    def create(self, job: Job, audit: AuditEntry) -> int:
        """Insert ``job`` (``Conflict`` if the id exists) with its audit record; the record's ``seq``."""
        ...

    def get(self, org_id: str, job_id: str) -> Job | None: ...

    def update(self, org_id: str, job_id: str, *, status: JobStatus | None = None, error: str | None = None,
               execution_arn: str | None = None, data: Mapping[str, Any] | None = None) -> None:
        """Set the given fields; ``data`` keys are merged into the job's data (each overwritten whole)."""
        ...

    def audit_once(self, org_id: str, job_id: str, key: str, audit: AuditEntry) -> int | None:
        """Append ``audit`` unless this job already recorded ``key``: the new ``seq``, or ``None`` if done."""
        ...


class ClusterJobs(Protocol):
    """A cluster's latest jobs (the ``jobs`` table's ``by_cluster`` index)."""

    def recent(self, org_id: str, cluster_id: str, limit: int = 10) -> list[Job]:
        """The cluster's ``limit`` newest jobs, newest first (the index is eventually consistent)."""
        ...


class OptimizeTrigger(Protocol):
    """Asks the automation worker to look at an account's clusters (after discovery scanned it)."""

    def after_scan(self, org_id: str, account_id: str) -> None:
        """Start the worker for the account without waiting for it."""
        ...


class WorkflowStarter(Protocol):
    """Starts a state machine execution (Step Functions)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        """Start an execution called ``name`` (a retry with the same name is the same execution); its ARN."""
        ...
