"""Ports of the optimization workflow and the live-switch experiment (Step Functions tasks and the API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.audit import AuditEntry
from spothive.ports import SafeModeFlag as SafeModeFlag

#: Job statuses: ``running`` → ``succeeded`` | ``failed`` (``compensated`` while a failure is undone).
JOB_STATUSES = ("running", "succeeded", "failed", "compensated")


@dataclass(frozen=True, slots=True)
class Job:
    """One optimization run of one cluster; ``data`` holds the plan, risk and decision of each step."""

    org_id: str
    job_id: str
    cluster_id: str
    status: str
    actor: str
    dry_run: bool
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    audit_seqs: tuple[int, ...] = ()
    error: str | None = None


class JobsRepo(Protocol):
    """The ``jobs`` table. Audited writes land with their audit record in one transaction."""

    def create(self, job: Job, audit: AuditEntry) -> int:
        """Insert ``job`` (``Conflict`` if the id exists) with its audit record; the record's ``seq``."""
        ...

    def get(self, org_id: str, job_id: str) -> Job | None: ...

    def update(self, org_id: str, job_id: str, *, status: str | None = None, error: str | None = None,
               execution_arn: str | None = None, data: Mapping[str, Any] | None = None) -> None:
        """Set the given fields; ``data`` keys are merged into the job's data (each overwritten whole)."""
        ...

    def audit_once(self, org_id: str, job_id: str, key: str, audit: AuditEntry) -> int | None:
        """Append ``audit`` unless this job already recorded ``key``: the new ``seq``, or ``None`` if done."""
        ...


class WorkflowStarter(Protocol):
    """Starts a state machine execution (Step Functions)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        """Start an execution called ``name`` (a retry with the same name is the same execution); its ARN."""
        ...


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What an idempotent enqueue did: stream entry ids in action order, and how many were new."""

    entry_ids: tuple[str, ...]
    new: int


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """What a withdrawal did: entries removed before the agent took them, and entries already taken."""

    withdrawn: tuple[str, ...]
    taken: tuple[str, ...]


class AgentActions(Protocol):
    """The per-cluster action stream the in-cluster agent consumes (``agent:actions:{cluster_id}``)."""

    def enqueue(self, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        """Append each action once per ``job_id`` + index (a retried call appends nothing new)."""
        ...

    def withdraw(self, cluster_id: str, job_id: str, count: int) -> Withdrawn:
        """Remove the job's first ``count`` entries the agent has not taken yet."""
        ...




# ---- live switch ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What the live switch needs to know about the instance it moves."""

    instance_id: str
    state: str
    instance_type: str
    image_id: str
    subnet_id: str
    zone: str
    lifecycle: str
    root_device: str
    root_volume_id: str | None


class SwitchGateway(Protocol):
    """EC2 in one customer account and region (assumed role), for the live switch."""

    def describe(self, instance_id: str) -> InstanceFacts: ...

    def stop(self, instance_id: str) -> str:
        """Ask EC2 to stop the instance; its current state."""
        ...

    def start(self, instance_id: str) -> str: ...

    def snapshot_root(self, volume_id: str, description: str) -> str:
        """Snapshot the root volume; the snapshot id."""
        ...

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        """Launch a Spot instance like ``facts`` (root from ``snapshot_id`` when given); idempotent on ``token``."""
        ...


class SwitchCloud(Protocol):
    """Opens a :class:`SwitchGateway` in a customer account through its role."""

    def open(self, role_arn: str, external_id: str, region: str) -> SwitchGateway: ...


class LabRepo(Protocol):
    """The ``lab-experiments`` table."""

    def save(self, experiment_id: str, item: Mapping[str, Any]) -> None:
        """Write (or overwrite) one experiment's record."""
        ...

    def get(self, experiment_id: str) -> dict[str, Any] | None: ...
