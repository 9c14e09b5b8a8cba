"""JobsRepo: conflicts, merged step data, idempotent audits and expiry alike in memory and DynamoDB."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.adapters.dynamo.jobs_repo import DynamoJobsRepo
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.jobs import Job, JobStatus
from tests.support.fakes import NOW, MemoryJobsRepo


@pytest.fixture
def repo(kind, ledger, clock):  # type: ignore[no-untyped-def]
    return MemoryJobsRepo(ledger, clock) if kind == "memory" else DynamoJobsRepo(ledger, now=clock.now)


def job() -> Job:
    return Job("org-1", "job-1", "c-1", JobStatus.RUNNING, "user:u-1", False, NOW, NOW, data={"plan": {"n": 1}})


def started() -> AuditEntry:
    return AuditEntry("user:u-1", "optimization.start", "job", "job-1")


def test_given_a_created_job_when_created_again_then_conflict_on_job_id_and_one_record(repo, ledger):
    seq = repo.create(job(), started())

    with pytest.raises(Conflict) as caught:
        repo.create(job(), started())

    assert caught.value.field == "job_id"
    assert seq == 1
    assert [r.action for r in ledger.records("org-1")] == ["optimization.start"]
    stored = repo.get("org-1", "job-1")
    assert (stored.status, stored.data, stored.audit_seqs) == ("running", {"plan": {"n": 1}}, (1,))


def test_updates_merge_step_data_and_keep_unset_fields(repo, clock):
    repo.create(job(), started())
    clock.advance(timedelta(minutes=1))

    repo.update("org-1", "job-1", status=JobStatus.SUCCEEDED, execution_arn="arn:x")
    repo.update("org-1", "job-1", data={"risk": {"flagged": []}})

    stored = repo.get("org-1", "job-1")
    assert stored.status == "succeeded" and stored.execution_arn == "arn:x" and stored.error is None
    assert stored.data == {"plan": {"n": 1}, "risk": {"flagged": []}}
    assert stored.updated_at == NOW + timedelta(minutes=1)


def test_audit_once_writes_each_key_once(repo, ledger):
    repo.create(job(), started())
    entry = AuditEntry("system:optimizer", "optimization.dry_run", "job", "job-1", reason="r0")

    first, again = repo.audit_once("org-1", "job-1", "dry_run:0", entry), repo.audit_once("org-1", "job-1", "dry_run:0", entry)

    assert (first, again) == (2, None)
    assert repo.audit_once("org-1", "no-such-job", "dry_run:0", entry) is None
    assert repo.get("org-1", "job-1").audit_seqs == (1, 2)
    assert [r.action for r in ledger.records("org-1")] == ["optimization.start", "optimization.dry_run"]


def test_a_job_past_its_retention_is_absent(repo, clock):
    repo.create(job(), started())
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    assert repo.get("org-1", "job-1") is not None
    clock.advance(timedelta(seconds=1))
    assert repo.get("org-1", "job-1") is None
    assert repo.get("org-1", "never") is None


def test_recent_lists_one_clusters_jobs_newest_first_and_never_another_orgs(repo):
    # Given three jobs of c-1 a minute apart, one of c-2, and one of another org's cluster also called c-1
    for n, (org, cluster) in enumerate((("org-1", "c-1"), ("org-1", "c-1"), ("org-1", "c-2"), ("org-2", "c-1"),
                                        ("org-1", "c-1"))):
        at = NOW + timedelta(minutes=n)
        repo.create(Job(org, f"job-{n}", cluster, JobStatus.RUNNING, "system:automation", True, at, at),
                    AuditEntry("system:automation", "optimization.automated", "cluster", cluster))
    # Then c-1 of org-1 lists its own jobs, newest first, as many as asked
    assert [j.job_id for j in repo.recent("org-1", "c-1")] == ["job-4", "job-1", "job-0"]
    assert [j.job_id for j in repo.recent("org-1", "c-1", limit=2)] == ["job-4", "job-1"]
    assert [j.job_id for j in repo.recent("org-2", "c-1")] == ["job-3"]


def test_a_job_written_before_the_cluster_index_is_indexed_by_its_next_update(kind, repo, ledger):
    from spothive.adapters.dynamo.jobs_repo import JobModel

    if kind == "memory":  # the fake has no index to miss: it is listed from the start
        repo.create(job(), started())
        assert [j.job_id for j in repo.recent("org-1", "c-1")] == ["job-1"]
        return
    # Given a running job stored without ``cluster_key``, as jobs were before the by_cluster index
    repo.create(job(), started())
    JobModel("org-1", "job-1").update(actions=[JobModel.cluster_key.remove()])
    assert repo.recent("org-1", "c-1") == []
    # When its execution's next step updates it
    repo.update("org-1", "job-1", data={"progress": {"waves": {}}})
    # Then automation's by_cluster query lists it again, with its data intact
    (listed,) = repo.recent("org-1", "c-1")
    assert (listed.job_id, listed.status, listed.data["progress"]) == ("job-1", JobStatus.RUNNING, {"waves": {}})
