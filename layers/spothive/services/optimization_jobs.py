"""Starting an optimization job ("Optimize Now") and reading it back."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.automation import AUTOMATION_ACTOR
from spothive.domain.errors import Conflict, DependencyFailed, NotFound
from spothive.domain.execution import snapshot_fingerprint
from spothive.domain.identity import Principal
from spothive.domain.jobs import Job, JobStatus
from spothive.domain.projection import outcome_of
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo, SnapshotStore
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

        automation = self.job.data.get("automation")
        return {
            "basis": detected.get("basis"),
            "approved": len(decision.get("approved", [])),
            "blocked": len(decision.get("blocked", [])),
            # held below the automation threshold (automated jobs only)
            "skipped": len(decision.get("skipped", [])),
            "approved_actions": brief(decision.get("approved", [])),
            "blocked_actions": brief(decision.get("blocked", [])),
            "execution": _execution_brief(self.job.data.get("execution")),
            "skipped_actions": brief(decision.get("skipped", []))
            + (self.job.data.get("execution") or {}).get("skipped", []),
            "approved_from": self.job.data.get("approved_from"),
            "automation": {k: automation.get(k) for k in ("mode", "trigger", "reason", "threshold")}
            if isinstance(automation, dict) else None,
            # what the approved actions are worth, and the inputs decided on (the projection shows the same)
            "outcome": outcome_of(detected, decision).to_dict() | dict(detected.get("inputs") or {})
            | dict(detected.get("prices") or {}) if decision else None,
        }

    def progress(self) -> dict[str, Any]:
        """Per-wave stage and per-action results, the activity lines and the realized saving."""
        progress = self.job.data.get("progress") or {}
        waves = (self.job.data.get("execution") or {}).get("waves") or []
        out = []
        for wave in waves:
            state = (progress.get("waves") or {}).get(str(wave["index"])) or {}
            out.append({"index": wave["index"], "stage": state.get("stage", "planned"),
                        "retire": [r["node"] for r in wave.get("retire", [])],
                        "launches": [{"instance_type": x["instance_type"], "capacity_type": x["capacity_type"],
                                      "zone": x["zone"]} for x in wave.get("launches", [])],
                        "launched": [{k: x.get(k) for k in ("instance_id", "node", "instance_type", "capacity_type",
                                                            "zone", "attempt")} for x in state.get("launched", [])],
                        "terminated": state.get("terminated", []), "rollback": state.get("rollback")})
        callbacks = {k: {"resumed": v.get("resumed"), "cause": v.get("cause")}
                     for k, v in (self.job.data.get("callbacks") or {}).items()}
        return {"waves": out, "activity": [m["line"] for m in progress.get("moves", [])],
                "realized": self.job.data.get("realized"), "waits": callbacks,
                # a stale wave planned again: number, wave, reason, the waves it superseded, when
                "replans": progress.get("replans", [])}


class OptimizationJobs:
    """Use cases of ``/api/clusters/{id}/optimize`` and ``/api/clusters/{id}/jobs/{job_id}``."""

    def __init__(self, jobs: JobsRepo, inventory: InventoryRepo, starter: WorkflowStarter, clock: Clock,
                 snapshots: SnapshotStore | None = None) -> None:
        self._snapshots = snapshots
        self._jobs = jobs
        self._inventory = inventory
        self._starter = starter
        self._clock = clock

    def start(self, principal: Principal, cluster_id: str, *, dry_run: bool = False,
              preview: Job | None = None) -> Job:
        """Create the job (audited ``optimization.requested``) and start the state machine named after it;
        with ``preview`` the job carries out that preview's decisions (no new plan)."""
        return self._start(principal.org_id, principal.actor, cluster_id, dry_run=dry_run, preview=preview)

    def start_automated(self, org_id: str, cluster_id: str, *, dry_run: bool, automation: Mapping[str, Any]) -> Job:
        """A job the automation worker starts (actor ``system:automation``, audited ``optimization.automated``
        with its mode and reason); ``automation`` is kept on the job (its decide step applies the threshold)."""
        return self._start(org_id, AUTOMATION_ACTOR, cluster_id, dry_run=dry_run, automation=automation)

    def _start(self, org_id: str, actor: str, cluster_id: str, *, dry_run: bool, preview: Job | None = None,
               automation: Mapping[str, Any] | None = None) -> Job:
        if self._inventory.get_cluster(org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        now = self._clock.now()
        job = Job(org_id, f"job-{uuid.uuid4().hex}", cluster_id, JobStatus.RUNNING, actor, dry_run, now, now,
                  data={"automation": dict(automation)} if automation is not None else {})
        after: dict[str, Any] = {"job_id": job.job_id, "dry_run": dry_run}
        if preview is not None:
            after["approved_from"] = preview.job_id
        if automation is not None:
            after |= {k: automation.get(k) for k in ("mode", "trigger", "reason", "policy_version")}
            entry = AuditEntry(actor, "optimization.automated", "cluster", cluster_id, after=after,
                               reason=str(automation.get("reason") or ""))
        else:
            entry = AuditEntry(actor, "optimization.approved" if preview else "optimization.requested",
                               "cluster", cluster_id, after=after)
        self._jobs.create(job, entry)
        payload: dict[str, Any] = {"org_id": job.org_id, "cluster_id": cluster_id, "job_id": job.job_id,
                                   "dry_run": dry_run, "from_preview": False}
        if preview is not None:
            self._jobs.update(job.org_id, job.job_id, data={
                "detect": preview.data.get("detect"), "risk": preview.data.get("risk"),
                "decision": preview.data.get("decision"), "approved_from": preview.job_id})
            payload["from_preview"] = True
        try:
            arn = self._starter.start(job.job_id, payload)
        except DependencyFailed as exc:
            self._jobs.update(job.org_id, job.job_id, status=JobStatus.FAILED, error=exc.message)
            raise
        self._jobs.update(job.org_id, job.job_id, execution_arn=arn)
        started = self._jobs.get(org_id, job.job_id)
        if started is None:
            raise NotFound(f"job {job.job_id} not found", field="job_id")
        return started

    def approve(self, principal: Principal, cluster_id: str, job_id: str) -> Job:
        """Carry out a finished preview; 409 when it is not one or the cluster's snapshot changed since."""
        preview = self.get(principal, cluster_id, job_id).job
        if not preview.dry_run or preview.status != JobStatus.SUCCEEDED:
            raise Conflict(f"job {job_id} is not a finished preview (dry run {preview.dry_run}, {preview.status})",
                           field="job_id")
        if not (preview.data.get("decision") or {}).get("approved"):
            raise Conflict(f"preview {job_id} approved no action; nothing to carry out", field="job_id")
        planned = (preview.data.get("detect") or {}).get("fingerprint")
        latest = self._snapshots.latest(principal.org_id, cluster_id) if self._snapshots is not None else None
        if planned and planned != snapshot_fingerprint(latest):
            raise Conflict(f"the cluster's snapshot changed since preview {job_id}; preview again", field="snapshot")
        return self.start(principal, cluster_id, dry_run=False, preview=preview)

    def get(self, principal: Principal, cluster_id: str, job_id: str) -> JobView:
        """One of the caller's jobs on that cluster; 404 for anything else."""
        job = self._jobs.get(principal.org_id, job_id)
        if job is None or job.cluster_id != cluster_id:
            raise NotFound(f"job {job_id} not found", field="job_id")
        return JobView(job)


def _execution_brief(execution: Any) -> Any:
    """The execution summary without the stored waves (``progress`` shows them)."""
    if not isinstance(execution, dict):
        return execution
    return {k: v for k, v in execution.items() if k not in ("waves", "skipped")} | (
        {"waves": len(execution["waves"])} if "waves" in execution else {})
