"""Optimization jobs: their record and status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    """``running`` → ``succeeded`` | ``failed``; ``compensated`` once a failed execution has been undone."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    COMPENSATED = "compensated"


@dataclass(frozen=True, slots=True)
class Job:
    """One optimization run of one cluster; ``data`` holds the plan, risk and decision of each step."""

    org_id: str
    job_id: str
    cluster_id: str
    status: JobStatus
    actor: str
    dry_run: bool
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    audit_seqs: tuple[int, ...] = ()
    error: str | None = None
