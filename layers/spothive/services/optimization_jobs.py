"""Starting an optimization job ("Optimize Now") and reading it back."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import DependencyFailed, NotFound
from spothive.domain.identity import Principal
from spothive.domain.jobs import Job, JobStatus
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo
from spothive.ports.jobs import JobsRepo, WorkflowStarter

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the API shows it: status, a summary of the decisions, and its audit record ids."""

    job: Job

    def summary(self) -> dict[str, Any]:
        """Counts and the approved and blocked actions (type, target, reason)."""
        decision = self.job.data.get("decision") or {}
        detected = self.job.data.get("detect") or {}

        def brief(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"type": a["type"], "target": a["target"], "reason": a["reason"]} for a in actions]

        return {
            "basis": detected.get("basis"),
            "approved": len(decision.get("approved", [])),
            "blocked": len(decision.get("blocked", [])),
            "approved_actions": brief(decision.get("approved", [])),
            "blocked_actions": brief(decision.get("blocked", [])),
            "execution": self.job.data.get("execution"),
        }


class OptimizationJobs:
    """Use cases of ``/api/clusters/{id}/optimize`` and ``/api/clusters/{id}/jobs/{job_id}``."""

    def __init__(self, jobs: JobsRepo, inventory: InventoryRepo, starter: WorkflowStarter, clock: Clock) -> None:
        self._jobs = jobs
        self._inventory = inventory
        self._starter = starter
        self._clock = clock

    def start(self, principal: Principal, cluster_id: str, *, dry_run: bool = False) -> Job:
        """Create the job (audited ``optimization.requested``) and start the state machine named after it."""
        if self._inventory.get_cluster(principal.org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        now = self._clock.now()
        job = Job(principal.org_id, f"job-{uuid.uuid4().hex}", cluster_id, JobStatus.RUNNING, principal.actor, dry_run,
                  now, now)
        entry = AuditEntry(principal.actor, "optimization.requested", "cluster", cluster_id,
                           after={"job_id": job.job_id, "dry_run": dry_run})
        self._jobs.create(job, entry)
        payload = {"org_id": job.org_id, "cluster_id": cluster_id, "job_id": job.job_id, "dry_run": dry_run}
        try:
            arn = self._starter.start(job.job_id, payload)
        except DependencyFailed as exc:
            self._jobs.update(job.org_id, job.job_id, status=JobStatus.FAILED, error=exc.message)
            raise
        self._jobs.update(job.org_id, job.job_id, execution_arn=arn)
        return self.get(principal, cluster_id, job.job_id).job

    def get(self, principal: Principal, cluster_id: str, job_id: str) -> JobView:
        """One of the caller's jobs on that cluster; 404 for anything else."""
        job = self._jobs.get(principal.org_id, job_id)
        if job is None or job.cluster_id != cluster_id:
            raise NotFound(f"job {job_id} not found", field="job_id")
        return JobView(job)
