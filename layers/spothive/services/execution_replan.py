"""A stale wave re-plans instead of failing: the wave and every later one not started are superseded, the
re-plan is recorded on the job (execution and progress) and in the audit ledger with its reason, and the
state machine plans again on the fresh snapshot. Bounded: a cluster changing under every new plan is left
alone after :data:`MAX_WAVE_REPLANS` re-plans (the caller stops the wave safely)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.jobs import Job
from spothive.ports.jobs import JobsRepo

#: Re-plans a job may make when a wave goes stale; two keep a burst of changes (a Spot interruption
#: followed by the autoscaler's answer) from failing the job, without chasing a cluster that never settles.
MAX_WAVE_REPLANS = 2
#: Wave stages after which a late duplicate of an earlier step must do nothing.
SETTLED = ("terminated", "rolled_back", "superseded")


def history(job: Job) -> list[dict[str, Any]]:
    """The job's re-plans so far (number, wave, reason, superseded waves, when)."""
    return list((job.data.get("execution") or {}).get("wave_replans") or [])


def supersede(jobs: JobsRepo, job: Job, cluster_id: str, index: int, reason: str, now: datetime,
              actor: str) -> dict[str, Any] | None:
    """Record a re-plan because wave ``index`` went stale (``reason``); the state machine's answer, or
    ``None`` when the job has used its re-plans."""
    done = history(job)
    if len(done) >= MAX_WAVE_REPLANS:
        return None
    execution = dict(job.data.get("execution") or {})
    progress = dict(job.data.get("progress") or {"waves": {}, "moves": [], "realized_per_hour": 0.0})
    stages = dict(progress.get("waves") or {})
    superseded = [int(w["index"]) for w in execution.get("waves") or []
                  if (stages.get(str(w["index"])) or {}).get("stage") not in SETTLED]
    for n in superseded:
        stages[str(n)] = {**(stages.get(str(n)) or {}), "stage": "superseded", "reason": reason}
    entry = {"number": len(done) + 1, "wave": index, "reason": reason, "superseded": superseded,
             "at": now.isoformat().replace("+00:00", "Z")}
    progress["waves"], progress["replans"] = stages, [*done, entry]
    execution.update(wave_replans=[*done, entry], replan_pending=True)
    jobs.update(job.org_id, job.job_id, data={"execution": execution, "progress": progress})
    jobs.audit_once(job.org_id, job.job_id, f"replan:{entry['number']}", AuditEntry(
        actor, "execution.replanned", "cluster", cluster_id, after={"job_id": job.job_id, **entry},
        reason=f"{reason}; planning again on the fresh snapshot (re-plan {entry['number']} of at most "
               f"{MAX_WAVE_REPLANS})"))
    return {"replan": True, "reason": reason, "replans": entry["number"], "superseded": superseded}
