"""The optimization workflow's steps (Flow 1, "Optimize Now"): detect → assess risk → decide → execute → record.

Each step reads what earlier steps stored on the job item and returns a small summary for the state
machine. Every mutating step is idempotent: plan, risk and decision are overwritten whole; audit records
carry a per-job key written in the same transaction (``JobsRepo.audit_once``); agent actions carry the
idempotency key ``job_id:index``. Under SAFE_MODE (the global setting, the cache's ``SAFE_MODE`` flag or the
job's ``dry_run``) execution only records ``optimization.dry_run`` audit records; otherwise it needs a
connected agent, and without one it fails before touching anything so the state machine compensates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.agent_actions import action_id, agent_actions_for, node_names_by_instance
from spothive.domain.agent_link import agent_health
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound, ServiceUnavailable, SpotHiveError
from spothive.domain.jobs import Job, JobStatus
from spothive.domain.packing.milp import MilpSolver
from spothive.ports.agents import ActionWake, AgentActions, Heartbeats
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.jobs import JobsRepo
from spothive.ports.pricing import CatalogSource
from spothive.ports.risk import RiskModel
from spothive.ports.safety import SafeModeFlag
from spothive.services.cluster_plan import ClusterPlanner, decide_plan, target_pools
from spothive.services.execution import ExecutionSteps
from spothive.services.hive_mind import HiveMind
from spothive.services.model_routing import MODEL_TAG, ModelRouter
from spothive.services.plan_inputs import ClusterPolicies
from spothive.services.pool_choice import PoolChoice
from spothive.services.safe_mode import SafeModeService
from spothive.services.step_errors import error_summary

LOG = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:optimizer"


class AgentNotConnected(SpotHiveError):
    """Execution outside SAFE_MODE needs the cluster's agent (heartbeat younger than 60 s)."""

    code = "agent_not_connected"
    status = 409


@dataclass(frozen=True, slots=True)
class StepInput:
    """What every task receives from the state machine (the execution input, plus earlier results)."""

    org_id: str
    cluster_id: str
    job_id: str

    @classmethod
    def parse(cls, state: Mapping[str, Any]) -> StepInput:
        """The ids, or ``InvalidInput`` naming the missing one."""
        from spothive.domain.errors import InvalidInput

        values = {}
        for name in ("org_id", "cluster_id", "job_id"):
            value = state.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidInput(f"{name} is required", field=name)
            values[name] = value
        return cls(**values)


class OptimizationSteps:
    """The tasks of the ``optimization`` state machine, over ports only."""

    def __init__(
        self,
        jobs: JobsRepo,
        inventory: InventoryRepo,
        catalogs: CatalogSource,
        snapshots: SnapshotStore,
        risk_model: RiskModel,
        hive_mind: HiveMind,
        heartbeats: Heartbeats,
        actions: AgentActions,
        safe_mode: SafeModeFlag,
        clock: Clock,
        *,
        global_safe_mode: bool = False,
        solver: MilpSolver | None = None,
        policies: ClusterPolicies | None = None,
        wake: ActionWake | None = None,
        router: ModelRouter | None = None,
        executor: ExecutionSteps | None = None,
        safe_modes: SafeModeService | None = None,
        pools: PoolChoice | None = None,
    ) -> None:
        self._pools = pools
        self._executor = executor
        self._safe_modes = safe_modes
        self._wake = wake
        self._router = router
        self._policies = policies
        self._jobs = jobs
        self._inventory = inventory
        self._catalogs = catalogs
        self._snapshots = snapshots
        self._risk_model = risk_model
        self._hive = hive_mind
        self._heartbeats = heartbeats
        self._actions = actions
        self._safe_mode = safe_mode
        self._clock = clock
        self._global_safe_mode = global_safe_mode
        self._solver = solver
        self._planner = ClusterPlanner(inventory, catalogs, snapshots, solver=solver, policies=policies, pools=pools)

    def _job(self, ids: StepInput) -> Job:
        job = self._jobs.get(ids.org_id, ids.job_id)
        if job is None or job.cluster_id != ids.cluster_id:
            raise NotFound(f"job {ids.job_id} not found", field="job_id")
        return job

    # ---- detect --------------------------------------------------------------------------------------
    def detect(self, ids: StepInput) -> dict[str, Any]:
        """The plan: the packer over the latest snapshot when there is one, else Spot-only moves."""
        self._job(ids)
        if self._inventory.get_cluster(ids.org_id, ids.cluster_id) is None:
            raise NotFound(f"cluster {ids.cluster_id} not found", field="cluster_id")
        detected, summary = self._planner.detect(ids.org_id, ids.cluster_id, remember=True)
        self._jobs.update(ids.org_id, ids.job_id, data={"detect": detected})
        return summary

    # ---- assess risk ---------------------------------------------------------------------------------
    def assess_risk(self, ids: StepInput) -> dict[str, Any]:
        """Interruption probability of every target Spot pool (risk model v1.0) and live hive-mind flags."""
        detected = self._detected(ids)
        scored = self._planner.assess(detected, self._risk_model, self._hive, self._clock.now())
        if self._router is not None:
            # instances under an A/B test are also scored by their tagged model alone, recorded for the lab;
            # the decision still rests on the production model's pool scores
            tagged = [s.instance for s in self._inventory.list_instances(ids.org_id, ids.cluster_id)
                      if s.instance.tags.get(MODEL_TAG) and s.instance.state == "running"]
            if tagged:
                scored["instances"] = self._router.score(ids.org_id, tagged)
        self._jobs.update(ids.org_id, ids.job_id, data={"risk": scored})
        return {"pools": len(target_pools(detected)), "flagged": sorted(scored["flagged"]),
                "max_probability": max(scored["probabilities"].values(), default=0.0),
                "degraded": scored["degraded"], "reason": scored["reason"]}

    # ---- decide --------------------------------------------------------------------------------------
    def decide(self, ids: StepInput) -> dict[str, Any]:
        """Approved and blocked actions (CORE-DECIDE: stability over savings), each with reason and evidence."""
        job = self._job(ids)
        detected = self._detected(ids, job)
        decision = decide_plan(detected, job.data.get("risk") or {}, job.data.get("automation"))
        approved, blocked, groups = decision["approved"], decision["blocked"], decision["groups"]
        self._jobs.update(ids.org_id, ids.job_id, data={"decision": decision})
        summary: dict[str, Any] = {"action_count": len(approved), "blocked_count": len(blocked),
                                   "blocked": [{"target": b["target"], "reason": b["reason"]} for b in blocked],
                                   # a stale wave's re-plan executes even with no action: Verify records the
                                   # earlier waves (always present, so the state machine's Choice needs no guard)
                                   "replan": bool((job.data.get("execution") or {}).get("replan_pending"))}
        if "skipped" in decision:
            summary["skipped_count"] = len(decision["skipped"])
        if groups is not None:  # planned = approved + blocked + skipped, in atomic groups
            summary["groups"] = {k: groups[k] for k in ("planned", "approved", "blocked", "skipped")}
            summary["approved_saving_per_hour"] = groups["approved_saving_per_hour"]
        return summary

    # ---- execute -------------------------------------------------------------------------------------
    def safe_mode(self, job: Job) -> str | None:
        """Why this job runs as a dry run (``None``: it acts). An unreadable flag counts as on."""
        if job.dry_run:
            return "dry_run requested"
        if self._global_safe_mode:
            return "SAFE_MODE setting"
        if self._safe_modes is not None:  # global, tenant and cluster levels
            return self._safe_modes.effective(job.org_id, job.cluster_id).reason()
        try:
            return "SAFE_MODE flag" if self._safe_mode.is_on() else None
        except ServiceUnavailable as exc:
            LOG.warning("SAFE_MODE unreadable, assuming it is on: %s", exc.message)
            return "SAFE_MODE flag unreadable (cache unavailable): assumed on"

    def execute(self, ids: StepInput) -> dict[str, Any]:
        """Dry run under SAFE_MODE (one audit record per action); else hand the actions to the agent."""
        job = self._job(ids)
        approved: list[dict[str, Any]] = list((job.data.get("decision") or {}).get("approved", []))
        why = self.safe_mode(job)
        if why is not None:
            seqs = []
            for index, action in enumerate(approved):
                entry = AuditEntry(
                    SYSTEM_ACTOR, "optimization.dry_run", "cluster", ids.cluster_id,
                    after={"job_id": ids.job_id, "index": index, "action": action, "evidence": action["evidence"],
                           "safe_mode": why},
                    reason=action["reason"],
                )
                seq = self._jobs.audit_once(ids.org_id, ids.job_id, f"dry_run:{index}", entry)
                if seq is not None:
                    seqs.append(seq)
            # merged: after a re-plan the job's earlier waves stay on record
            execution = {**(job.data.get("execution") or {}), "mode": "dry_run", "safe_mode": why}
            self._jobs.update(ids.org_id, ids.job_id, data={"execution": execution})
            return {"mode": "dry_run", "safe_mode": why, "recorded": len(approved), "new_records": len(seqs)}
        self._require_agent(ids.org_id, ids.cluster_id)
        if self._executor is not None:  # CORE-EXEC: waves of cordon, pre-spin, Ready, drain, terminate
            if job.data.get("approved_from") and (job.data.get("execution") or {}).get("replans") is None:
                self._jobs.update(ids.org_id, ids.job_id, data={"execution": {"replans": 1}})  # approved: never re-plan
            return self._executor.prepare(ids.org_id, ids.cluster_id, ids.job_id, approved)
        snapshot = self._snapshots.latest(ids.org_id, ids.cluster_id) if self._snapshots is not None else None
        queued = agent_actions_for(ids.job_id, approved, self._clock.now(), node_names_by_instance(snapshot))
        enqueued = self._actions.enqueue(ids.org_id, ids.cluster_id, ids.job_id, queued)
        if self._wake is not None and enqueued.new:
            self._wake.notify(ids.org_id, ids.cluster_id)
        self._jobs.update(ids.org_id, ids.job_id, data={"execution": {
            "mode": "agent", "entry_ids": list(enqueued.entry_ids)}})
        return {"mode": "agent", "enqueued": len(enqueued.entry_ids), "new": enqueued.new,
                "not_for_agent": len(approved) - len(queued)}

    def _require_agent(self, org_id: str, cluster_id: str) -> None:
        try:
            last_seen = self._heartbeats.last_seen(org_id, cluster_id)
        except Exception as exc:  # the cache down means no agent can be confirmed: stability first
            raise AgentNotConnected(f"agent status of cluster {cluster_id} unknown: {exc}") from exc
        health = agent_health(last_seen, self._clock.now())
        if health.status != "green":
            seen = f"last heartbeat {health.seconds_since:.0f}s ago" if health.seconds_since is not None \
                else "no heartbeat ever"
            raise AgentNotConnected(f"no connected agent for cluster {cluster_id} ({seen}); nothing was changed")

    # ---- compensate ----------------------------------------------------------------------------------
    def compensate(self, ids: StepInput, error: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Withdraw what this job enqueued that the agent has not taken yet; the job becomes ``compensated``."""
        job = self._job(ids)
        approved = (job.data.get("decision") or {}).get("approved", [])
        # every id execute could have queued (a failure may have struck between the writes and the job update)
        possible = [action_id(ids.job_id, i) for i in range(len(approved))]
        withdrawn = self._actions.withdraw(ids.org_id, ids.cluster_id, possible) if possible else None
        result = {"withdrawn": len(withdrawn.withdrawn) if withdrawn else 0,
                  "taken": list(withdrawn.taken) if withdrawn else [],
                  "error": error_summary(error)}
        self._jobs.update(ids.org_id, ids.job_id, status=JobStatus.COMPENSATED, data={"compensation": result})
        return result

    # ---- record --------------------------------------------------------------------------------------
    def record(self, ids: StepInput, state: Mapping[str, Any]) -> dict[str, Any]:
        """The final audit record (``optimization.completed`` or ``.failed``) and the job's final status."""
        job = self._job(ids)
        error = state.get("error")
        decision = job.data.get("decision") or {}
        summary: dict[str, Any] = {
            "job_id": ids.job_id, "dry_run": job.dry_run,
            "approved": len(decision.get("approved", [])), "blocked": len(decision.get("blocked", [])),
            "detect": _without(state.get("detect"), "targets"), "execution": state.get("execution"),
        }
        if error:
            reason = error_summary(error)
            summary |= {"error": reason, "compensation": state.get("compensation")}
            entry = AuditEntry(SYSTEM_ACTOR, "optimization.failed", "cluster", ids.cluster_id, after=summary,
                               reason=reason)
            status = JobStatus.FAILED
        else:
            entry = AuditEntry(SYSTEM_ACTOR, "optimization.completed", "cluster", ids.cluster_id, after=summary,
                               reason=f"{summary['approved']} approved, {summary['blocked']} blocked")
            status, reason = JobStatus.SUCCEEDED, None
        seq = self._jobs.audit_once(ids.org_id, ids.job_id, "outcome", entry)
        self._jobs.update(ids.org_id, ids.job_id, status=status, error=reason)
        return {"status": status, "audit_seq": seq, "reason": reason}

    def _detected(self, ids: StepInput, job: Job | None = None) -> dict[str, Any]:
        job = job or self._job(ids)
        detected = job.data.get("detect")
        if not isinstance(detected, dict):
            raise NotFound(f"job {ids.job_id} has no detected plan", field="detect")
        return detected


def _without(value: Any, key: str) -> Any:
    return {k: v for k, v in value.items() if k != key} if isinstance(value, dict) else value
