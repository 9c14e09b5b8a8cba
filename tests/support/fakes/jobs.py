"""Optimization jobs, the agent action stream and the workflow starter in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from spothive.domain.agent_actions import ActionState, StoredAction
from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.jobs import Job, JobStatus
from spothive.ports.clock import Clock
from tests.support.fakes.audit import MemoryLedger

#: How long a job stays readable (the table's TTL).
RETENTION = timedelta(days=30)


class MemoryJobsRepo:
    """``JobsRepo`` over a dict: audited writes through the ledger, ``audit_once`` keys, TTL on ``clock``."""

    def __init__(self, ledger: MemoryLedger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock
        self.jobs: dict[tuple[str, str], Job] = {}
        self.audited: dict[tuple[str, str], set[str]] = {}
        #: Every audited write as ``(key, entry)``, ``key`` being ``"create"`` or the ``audit_once`` key.
        self.audit: list[tuple[str, AuditEntry]] = []

    def create(self, job: Job, audit: AuditEntry) -> int:
        key = (job.org_id, job.job_id)

        def change() -> None:
            if key in self.jobs:
                raise Conflict(f"job {job.job_id} exists", field="job_id")
            self.jobs[key] = replace(job, data=dict(job.data))

        record = self._ledger.commit(job.org_id, audit, change)
        assert record is not None
        self.audit.append(("create", audit))
        self._add_seq(key, record.seq)
        return record.seq

    def get(self, org_id: str, job_id: str) -> Job | None:
        """The job, or ``None`` once it is past its retention (expired items count as absent)."""
        job = self.jobs.get((org_id, job_id))
        if job is None or job.created_at + RETENTION <= self._clock.now():
            return None
        return job

    def update(self, org_id: str, job_id: str, *, status: JobStatus | None = None, error: str | None = None,
               execution_arn: str | None = None, data: Mapping[str, Any] | None = None) -> None:
        key = (org_id, job_id)
        job = self.jobs.get(key)
        if job is None:
            raise Conflict(f"job {job_id} not found", field="job_id")
        self.jobs[key] = replace(
            job, updated_at=self._clock.now(), status=JobStatus(status) if status is not None else job.status,
            error=error if error is not None else job.error,
            execution_arn=execution_arn if execution_arn is not None else job.execution_arn,
            data={**job.data, **(data or {})},
        )

    def recent(self, org_id: str, cluster_id: str, limit: int = 10) -> list[Job]:
        """``ClusterJobs``: the cluster's newest readable jobs first."""
        mine = [j for (org, _), j in self.jobs.items() if org == org_id and j.cluster_id == cluster_id]
        live = [j for j in mine if self.get(org_id, j.job_id) is not None]
        return sorted(live, key=lambda j: j.created_at, reverse=True)[:limit]

    def audit_once(self, org_id: str, job_id: str, key: str, audit: AuditEntry) -> int | None:
        job_key = (org_id, job_id)
        if job_key not in self.jobs:
            return None  # the adapter's condition (job exists, key not yet recorded) fails the same way
        if key in self.audited.setdefault(job_key, set()):
            return None
        record = self._ledger.commit(org_id, audit, lambda: self.audited[job_key].add(key))
        assert record is not None
        self.audit.append((key, audit))
        self._add_seq(job_key, record.seq)
        return record.seq

    def _add_seq(self, key: tuple[str, str], seq: int) -> None:
        job = self.jobs[key]
        self.jobs[key] = replace(job, audit_seqs=tuple(sorted({*job.audit_seqs, seq})))


class MemoryAgentActions:
    """The queueing half of ``AgentActions`` (what the workflow steps call): ``stream`` holds the queued
    actions by id; ids in ``taken`` were acknowledged by the agent. Idempotent by action id, like the
    DynamoDB table's conditional put. (The agent channel's ack/result half is tested on DynamoDB.)"""

    def __init__(self) -> None:
        self.stream: dict[str, dict[str, Any]] = {}
        self.issued: set[str] = set()
        self.taken: set[str] = set()
        self.owners: dict[str, tuple[str, str]] = {}
        self.bodies: dict[str, dict[str, Any]] = {}
        self.results: dict[str, tuple[ActionState, dict[str, Any]]] = {}

    def enqueue(self, org_id: str, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        new = 0
        for action in actions:
            if action["id"] not in self.issued:
                self.issued.add(action["id"])
                self.stream[action["id"]] = dict(action)
                self.bodies[action["id"]] = dict(action)
                self.owners[action["id"]] = (org_id, cluster_id)
                new += 1
        return Enqueued(tuple(str(a["id"]) for a in actions), new)

    def find(self, action_id: str) -> StoredAction | None:
        """The action's state: queued, acknowledged (``taken``), withdrawn, or the final one ``finish`` set."""
        if action_id not in self.owners:
            return None
        org_id, cluster_id = self.owners[action_id]
        if action_id in self.results:
            state, result = self.results[action_id]
            return StoredAction(org_id, cluster_id, self.bodies[action_id], state, result=result)
        state = (ActionState.ACKNOWLEDGED if action_id in self.taken else
                 ActionState.QUEUED if action_id in self.stream else ActionState.WITHDRAWN)
        return StoredAction(org_id, cluster_id, self.bodies[action_id], state)

    def finish(self, action_id: str, status: str, result: dict[str, Any]) -> None:
        """Test control: the agent took the action and reported ``status`` with ``result``."""
        self.taken.add(action_id)
        self.stream.pop(action_id, None)
        self.results[action_id] = (ActionState(status), {"action_id": action_id, "status": status, **result})

    def withdraw(self, org_id: str, cluster_id: str, action_ids: Sequence[str]) -> Withdrawn:
        present = [i for i in action_ids if i in self.stream]
        taken = tuple(i for i in present if i in self.taken)
        gone = tuple(i for i in present if i not in self.taken)
        for i in gone:
            self.stream.pop(i)
        return Withdrawn(gone, taken)


class RecordingWorkflows:
    """``WorkflowStarter`` that remembers each execution by name (a retried start is the same one)."""

    def __init__(self) -> None:
        self.started: dict[str, Mapping[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        self.started.setdefault(name, dict(payload))
        return f"arn:aws:states:us-east-1:000000000000:execution:optimize:{name}"
