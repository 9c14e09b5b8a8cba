"""Optimization jobs on the ``jobs`` table (``org_id`` / ``job_id``, TTL ``expires_at``; ``by_cluster`` lists a
cluster's jobs newest first).

The step data (plan, risk, decision, execution) is JSON text per step so that each step overwrites only
its own part. Audited writes go through the ledger's transaction; ``audit_once`` keys make them
idempotent. A job written before ``cluster_key`` existed is indexed by its next update (no Scan).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.jobs import Job, JobStatus

#: How long a job stays readable.
RETENTION = timedelta(days=30)


class JobsByCluster(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_cluster"
        projection = AllProjection()

    cluster_key = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


def cluster_key(org_id: str, cluster_id: str) -> str:
    """The ``by_cluster`` partition: cluster ids are unique within an org only."""
    return f"{org_id}#{cluster_id}"


class JobModel(Model):
    class Meta:
        table_name = "jobs"

    org_id = UnicodeAttribute(hash_key=True)
    job_id = UnicodeAttribute(range_key=True)
    cluster_id = UnicodeAttribute()
    cluster_key = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    actor = UnicodeAttribute()
    dry_run = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    steps: MapAttribute[str, Any] = MapAttribute(default=dict)  # step name → JSON text
    audited = UnicodeSetAttribute(null=True)  # audit_once keys already written
    audit_seqs = NumberSetAttribute(null=True)
    by_cluster = JobsByCluster()


models.register(JobModel, schema.JOBS)


class _AlreadyRecorded(Conflict):
    pass


class DynamoJobsRepo:
    """``JobsRepo`` on DynamoDB; audit records land through ``AuditStore`` in the same transaction."""

    def __init__(self, ledger: AuditStore, now: Any = None) -> None:
        self._ledger = ledger
        self._now = now or (lambda: datetime.now(UTC))

    def create(self, job: Job, audit: AuditEntry) -> int:
        item = JobModel(
            job.org_id, job.job_id, cluster_id=job.cluster_id, cluster_key=cluster_key(job.org_id, job.cluster_id),
            status=job.status, actor=job.actor,
            dry_run=job.dry_run, created_at=job.created_at, updated_at=job.updated_at,
            expires_at=job.created_at + RETENTION, steps={k: json.dumps(v) for k, v in job.data.items()},
        )

        def build(txn: TransactWrite) -> None:
            txn.save(item, condition=JobModel.job_id.does_not_exist())

        record = self._ledger.write(job.org_id, audit, build,
                                    conflict=Conflict(f"job {job.job_id} exists", field="job_id"))
        self._add_seq(job.org_id, job.job_id, record.seq)
        return record.seq

    def get(self, org_id: str, job_id: str) -> Job | None:
        try:
            item = JobModel.get(org_id, job_id, consistent_read=True)
        except JobModel.DoesNotExist:
            return None
        return self._job(item)

    def recent(self, org_id: str, cluster_id: str, limit: int = 10) -> list[Job]:
        """The cluster's ``limit`` newest jobs (one Query of ``by_cluster``, newest first)."""
        items = JobModel.by_cluster.query(cluster_key(org_id, cluster_id), scan_index_forward=False, limit=limit)
        return [job for job in (self._job(item) for item in items) if job is not None]

    def _job(self, item: JobModel) -> Job | None:
        if item.expires_at is not None and item.expires_at <= self._now():
            return None  # the emulator never deletes expired items
        steps = item.steps.as_dict() if isinstance(item.steps, MapAttribute) else dict(item.steps or {})
        return Job(
            org_id=item.org_id, job_id=item.job_id, cluster_id=item.cluster_id, status=JobStatus(item.status),
            actor=item.actor, dry_run=bool(item.dry_run), created_at=item.created_at, updated_at=item.updated_at,
            execution_arn=item.execution_arn, data={k: json.loads(v) for k, v in steps.items()},
            audit_seqs=tuple(sorted(int(s) for s in (item.audit_seqs or ()))), error=item.error,
        )

    def update(self, org_id: str, job_id: str, *, status: str | None = None, error: str | None = None,
               execution_arn: str | None = None, data: Mapping[str, Any] | None = None) -> None:
        actions: list[Any] = [JobModel.updated_at.set(self._now())]
        if status is not None:
            actions.append(JobModel.status.set(status))
        if error is not None:
            actions.append(JobModel.error.set(error))
        if execution_arn is not None:
            actions.append(JobModel.execution_arn.set(execution_arn))
        for key, value in (data or {}).items():
            actions.append(JobModel.steps[key].set(json.dumps(value, default=str)))
        item = JobModel(org_id, job_id)
        item.update(actions=actions, condition=JobModel.job_id.exists())  # the item as it now is
        if item.cluster_key is None and item.cluster_id:
            # written before jobs were indexed by cluster: indexed at its next write (keyed, once), so a
            # live execution of such a job becomes visible to automation's ``by_cluster`` query again
            item.update(actions=[JobModel.cluster_key.set(cluster_key(org_id, item.cluster_id))],
                        condition=JobModel.cluster_key.does_not_exist())

    def audit_once(self, org_id: str, job_id: str, key: str, audit: AuditEntry) -> int | None:
        def build(txn: TransactWrite) -> None:
            txn.update(
                JobModel(org_id, job_id),
                actions=[JobModel.audited.add({key}), JobModel.updated_at.set(self._now())],
                condition=JobModel.job_id.exists() & ~JobModel.audited.contains(key),
            )

        try:
            record = self._ledger.write(org_id, audit, build, conflict=_AlreadyRecorded(key))
        except _AlreadyRecorded:
            return None
        self._add_seq(org_id, job_id, record.seq)
        return record.seq

    def _add_seq(self, org_id: str, job_id: str, seq: int) -> None:
        JobModel(org_id, job_id).update(actions=[JobModel.audit_seqs.add({seq})])
