"""In-memory ports for the workflow unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.errors import ServiceUnavailable
from spothive.domain.jobs import Job

NOW = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


class Jobs:
    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], Job] = {}
        self.audit: list[tuple[str, Any]] = []
        self.keys: set[tuple[str, str]] = set()

    def create(self, job, audit):  # type: ignore[no-untyped-def]
        self.jobs[(job.org_id, job.job_id)] = job
        self.audit.append(("create", audit))
        return len(self.audit)

    def get(self, org_id, job_id):  # type: ignore[no-untyped-def]
        return self.jobs.get((org_id, job_id))

    def update(self, org_id, job_id, *, status=None, error=None, execution_arn=None, data=None):  # type: ignore[no-untyped-def]
        job = self.jobs[(org_id, job_id)]
        self.jobs[(org_id, job_id)] = replace(
            job, status=status or job.status, error=error or job.error,
            execution_arn=execution_arn or job.execution_arn, data={**job.data, **(data or {})})

    def audit_once(self, org_id, job_id, key, audit):  # type: ignore[no-untyped-def]
        if (job_id, key) in self.keys:
            return None
        self.keys.add((job_id, key))
        self.audit.append((key, audit))
        return len(self.audit)


class Actions:
    def __init__(self) -> None:
        self.stream: dict[str, str] = {}
        self.taken: set[str] = set()

    def enqueue(self, cluster_id, job_id, actions):  # type: ignore[no-untyped-def]
        ids, new = [], 0
        for i, _ in enumerate(actions):
            key = f"{job_id}:{i}"
            if key not in self.stream:
                self.stream[key] = f"{len(self.stream) + 1}-0"
                new += 1
            ids.append(self.stream[key])
        return Enqueued(tuple(ids), new)

    def withdraw(self, cluster_id, job_id, count):  # type: ignore[no-untyped-def]
        keys = [f"{job_id}:{i}" for i in range(count) if f"{job_id}:{i}" in self.stream]
        taken = tuple(self.stream[k] for k in keys if self.stream[k] in self.taken)
        gone = tuple(self.stream.pop(k) for k in keys if self.stream[k] not in self.taken)
        return Withdrawn(gone, taken)


class SafeMode:
    def __init__(self, on: bool | None = False) -> None:
        self.on = on

    def is_on(self) -> bool:
        if self.on is None:
            raise ServiceUnavailable("cache down")
        return self.on


class Heartbeats:
    def __init__(self, last: datetime | None = None) -> None:
        self.last = last

    def beat(self, cluster_id, at):  # type: ignore[no-untyped-def]
        self.last = at

    def last_seen(self, cluster_id):  # type: ignore[no-untyped-def]
        return self.last


class Signals:
    def __init__(self, flags=None, down: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.flags = flags or {}
        self.down = down
        self.calls = 0

    def flag(self, signal, *, ttl_seconds, window_seconds):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def lookup(self, pools):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.down:
            raise ServiceUnavailable("cache down")
        return {k: v for k, v in self.flags.items() if any(k == f"RISK:{z}:{t}" for z, t in pools)}


def job(dry_run: bool = False, **data: Any) -> Job:
    return Job("org-1", "job-1", "c-1", "running", "user:u-1", dry_run, NOW, NOW, data=data)
