"""CORE-EXEC: an approved plan carried out in waves, each step idempotent and compensated.

Per wave: re-validate against the latest snapshot → taint + cordon the nodes to retire (agent) and
pre-spin their replacements (EC2 Fleet) → wait until the agent reports the cordons done and every
replacement Ready (task-token callback) → drain through the agent, honouring PDBs (callback) → terminate
only what the agent drained. A failed wave rolls back: uncordon what stays, withdraw what the agent has
not taken, terminate replacements that never became Ready (a Ready one may already host pods and stays).
Agent action ids are ``{job}.w{wave}.{kind}.{n}`` and launches are tagged with their slot, so a retried
step does nothing twice; SAFE_MODE (any level) is read again before every mutating step.

A wave found stale before it starts (a node it retires is gone or changed) is not failed: the job plans
again (detect → risk → decide on the fresh snapshot) at most :data:`MAX_WAVE_REPLANS` times, its later
waves superseded and the new ones numbered after them; past that bound the wave stops safely (rolled back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from spothive.domain.agent_actions import ActionState
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound
from spothive.domain.execution import (
    DisruptionBudget,
    Launch,
    Retirement,
    Wave,
    activity_line,
    added_capacity,
    launch_ladder,
    monthly,
    plan_waves,
    same_size_siblings,
    snapshot_fingerprint,
    stale_reason,
)
from spothive.domain.jobs import Job
from spothive.domain.price_freshness import region_of_zone
from spothive.ports.agents import ActionWake, AgentActions
from spothive.ports.clock import Clock
from spothive.ports.execution import CapacityGateway
from spothive.ports.inventory import SnapshotStore
from spothive.ports.jobs import JobsRepo
from spothive.ports.pricing import CatalogSource
from spothive.services import execution_replan as replan
from spothive.services.execution_callbacks import ExecutionCallbacks
from spothive.services.execution_replan import MAX_WAVE_REPLANS, SETTLED
from spothive.services.execution_terms import (
    ExecutionTimeouts,
    NotDrained,
    SafeModeOn,
    StalePlan,
    WaveRolledBack,
    agent_action,
)
from spothive.services.safe_mode import SafeModeService

LOG = logging.getLogger(__name__)
ACTOR = "system:executor"

__all__ = [
    "MAX_WAVE_REPLANS",
    "ExecutionSteps",
    "ExecutionTimeouts",
    "NotDrained",
    "SafeModeOn",
    "StalePlan",
    "WaveRolledBack",
]


class ExecutionSteps:
    """The wave steps of the ``optimization`` state machine, over ports only."""

    def __init__(self, jobs: JobsRepo, snapshots: SnapshotStore, actions: AgentActions, safe_mode: SafeModeService,
                 gateway_for: Callable[[str, str], tuple[CapacityGateway, str, str]], catalogs: CatalogSource,
                 clock: Clock, *, wake: ActionWake | None = None,
                 budget_for: Callable[[str, str], tuple[DisruptionBudget, bool]] | None = None,
                 timeouts: ExecutionTimeouts = ExecutionTimeouts(),
                 callbacks: ExecutionCallbacks | None = None) -> None:
        self._callbacks = callbacks
        self._jobs, self._snapshots, self._actions = jobs, snapshots, actions
        self._safe_mode, self._gateway_for, self._catalogs, self._clock = safe_mode, gateway_for, catalogs, clock
        self._wake = wake
        self._budget_for = budget_for or (lambda _o, _c: (DisruptionBudget(), True))
        self._timeouts = timeouts

    # ---- helpers -----------------------------------------------------------------------------------
    def _job(self, org_id: str, job_id: str) -> Job:
        job = self._jobs.get(org_id, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found", field="job_id")
        return job

    def _guard(self, org_id: str, cluster_id: str, job: Job, step: str) -> None:
        if job.dry_run:
            raise SafeModeOn(f"{step}: the job is a dry run")
        state = self._safe_mode.effective(org_id, cluster_id)
        if state.on:
            raise SafeModeOn(f"{step} not carried out: {state.reason()}")

    def _progress(self, job: Job) -> dict[str, Any]:
        return dict(job.data.get("progress") or {"waves": {}, "moves": [], "realized_per_hour": 0.0})

    def _wave(self, job: Job, index: int) -> Wave:
        waves = (job.data.get("execution") or {}).get("waves") or []
        if not 0 <= index < len(waves):
            raise NotFound(f"wave {index} of job {job.job_id} not found", field="wave")
        return Wave.from_dict(waves[index])

    def _enqueue(self, org_id: str, cluster_id: str, job_id: str, actions: list[dict[str, Any]]) -> None:
        if not actions:
            return
        enqueued = self._actions.enqueue(org_id, cluster_id, job_id, actions)
        if self._wake is not None and enqueued.new:
            self._wake.notify(org_id, cluster_id)

    def _save_wave(self, job: Job, index: int, **changes: Any) -> dict[str, Any]:
        progress = self._progress(job)
        waves = dict(progress.get("waves") or {})
        waves[str(index)] = {**(waves.get(str(index)) or {}), **changes}
        progress["waves"] = waves
        self._jobs.update(job.org_id, job.job_id, data={"progress": progress})
        return progress

    # ---- prepare -----------------------------------------------------------------------------------
    def prepare(self, org_id: str, cluster_id: str, job_id: str, approved: list[dict[str, Any]]) -> dict[str, Any]:
        """The waves of an approved plan, after checking the plan still matches the latest snapshot."""
        job = self._job(org_id, job_id)
        self._guard(org_id, cluster_id, job, "execution")
        stored = dict(job.data.get("execution") or {})
        prior = list(stored.get("waves") or [])
        if prior and not stored.get("replan_pending"):
            # a re-driven execution (or a retried Execute): the waves exist; planning again could act twice
            return {"mode": "waves", "waves": len(prior), "per_wave": stored.get("per_wave"),
                    "skipped": len(stored.get("skipped") or []), "already_planned": True,
                    "planned_saving_per_hour": stored.get("planned_saving_per_hour")}
        snapshot = self._snapshots.latest(org_id, cluster_id)
        planned = (job.data.get("detect") or {}).get("fingerprint")
        current = snapshot_fingerprint(snapshot)
        if planned and planned != current:
            replans = int(stored.get("replans", 0))
            if replans >= 1:
                raise StalePlan("the cluster keeps changing under the plan; nothing was changed", field="snapshot")
            self._jobs.update(org_id, job_id, data={"execution": {**stored, "mode": "replan", "replans": replans + 1}})
            return {"mode": "replan", "reason": "the snapshot changed since the plan; planning again"}
        # a re-plan keeps the job's disruption budget: the policy read when the job began still bounds it
        budget = DisruptionBudget(**stored["budget"]) if stored.get("budget") else self._budget_for(org_id, cluster_id)[0]
        plan = plan_waves(job_id, approved, snapshot, budget, first_index=len(prior))
        execution = {**stored, "mode": "waves", "waves": prior + [w.to_dict() for w in plan.waves],
                     "per_wave": plan.per_wave, "budget": budget.to_dict(),
                     "planned_saving_per_hour": plan.saving_per_hour,
                     "skipped": [{"type": s.type, "target": s.target, "reason": s.reason} for s in plan.skipped],
                     "replans": int(stored.get("replans", 0)), "replan_pending": False}
        self._jobs.update(org_id, job_id, data={"execution": execution})
        return {"mode": "waves" if plan.waves or prior else "nothing", "waves": len(plan.waves),
                "per_wave": plan.per_wave, "skipped": len(plan.skipped),
                "planned_saving_per_hour": plan.saving_per_hour}

    # ---- next wave ---------------------------------------------------------------------------------
    def next_wave(self, org_id: str, cluster_id: str, job_id: str) -> dict[str, Any]:
        """The first wave not finished yet, or ``done`` (also when SAFE_MODE turned on: no new wave)."""
        job = self._job(org_id, job_id)
        waves = (job.data.get("execution") or {}).get("waves") or []
        stages = {k: v.get("stage") for k, v in (self._progress(job).get("waves") or {}).items()}
        pending = [w for w in waves if stages.get(str(w["index"])) not in ("terminated", "superseded")]
        if not pending:
            return {"done": True, "waves": len(waves)}
        if stages.get(str(pending[0]["index"])) == "rolled_back":
            raise WaveRolledBack(f"wave {pending[0]['index']} of job {job_id} was rolled back; the job does not "
                                 "resume (start a new one)", field="job_id")
        state = self._safe_mode.effective(org_id, cluster_id)
        if state.on:
            return {"done": True, "halted": f"SAFE_MODE: {state.reason()}", "waves": len(waves)}
        wave = pending[0]
        return {"done": False, "index": int(wave["index"]), "launches": len(wave["launches"]),
                "retire": len(wave["retire"]), "ready_timeout_s": self._timeouts.ready_s,
                "drain_timeout_s": self._timeouts.drain_s}

    # ---- cordon + launch ---------------------------------------------------------------------------
    def cordon_and_launch(self, org_id: str, cluster_id: str, job_id: str, index: int) -> dict[str, Any]:
        """Re-validate the wave, cordon what it retires (agent) and launch its replacements (EC2 Fleet)."""
        job = self._job(org_id, job_id)
        self._guard(org_id, cluster_id, job, "cordon and launch")
        wave = self._wave(job, index)
        done = ((self._progress(job).get("waves") or {}).get(str(index)) or {})
        if done.get("stage") == "superseded":  # a retried step after the re-plan was recorded: same answer
            return {"replan": True, "reason": done.get("reason"), "replans": len(replan.history(job))}
        if done.get("stage") in SETTLED:  # a late duplicate of a finished wave's step: nothing twice
            return {"cordoned": [], "launched": [x["node"] for x in done.get("launched") or []],
                    "already": done["stage"], "replan": False}
        snapshot = self._snapshots.latest(org_id, cluster_id)
        stale = stale_reason(wave, snapshot)
        begun = done.get("stage") or (
            "cordons queued" if wave.retire and self._actions.find(f"{job_id}.w{index}.cordon.0") else None)
        if stale and begun:
            # a retried step of a wave already begun (cordons queued, replacements launched): superseding it
            # would leave those behind; the state machine rolls it back instead (uncordon, terminate unready)
            raise StalePlan(f"wave {index} is stale after it began ({begun}): {stale}; rolling it back",
                            field="snapshot")
        if stale:
            return self._replan(job, cluster_id, index, f"wave {index} is stale: {stale}")
        now = self._clock.now()
        cordons = [agent_action(job_id, index, "cordon", n, {"node": r.node},
                                f"wave {index}: no new pods on {r.node} while its replacement comes up", now)
                   for n, r in enumerate(wave.retire)]
        self._enqueue(org_id, cluster_id, job_id, cordons)
        self._save_wave(self._job(org_id, job_id), index, stage="cordoned")
        launched: list[dict[str, Any]] = []
        if wave.launches:
            gateway, cluster_name, nodegroup = self._gateway_for(org_id, cluster_id)
            group = gateway.group_context(cluster_name, nodegroup)
            catalog = self._catalogs.catalog(_region(job, wave.launches))
            _, on_demand = self._budget_for(org_id, cluster_id)
            for launch in wave.launches:
                ladder = launch_ladder(launch, sorted(group.subnets),
                                       same_size_siblings(launch.instance_type, catalog.types.keys()),
                                       on_demand_fallback=on_demand)
                got = gateway.launch(launch.slot, ladder, group)
                price = catalog.price(got.instance_type, got.capacity_type, got.zone) or launch.price_per_hour
                entry = {**got.to_dict(), "slot": launch.slot, "price_per_hour": round(price, 6),
                         "for": launch.planned_name}
                launched.append(entry)
                self._save_wave(self._job(org_id, job_id), index, stage="launching", launched=launched)
                self._jobs.audit_once(org_id, job_id, f"launch:{launch.slot}", AuditEntry(
                    ACTOR, "execution.launched", "instance", got.instance_id, after={"job_id": job_id, **entry},
                    reason=f"wave {index}: {got.capacity_type} {got.instance_type} in {got.zone} ({got.attempt})"))
        self._save_wave(self._job(org_id, job_id), index, stage="launched", launched=launched)
        return {"cordoned": [r.node for r in wave.retire], "launched": [x["node"] for x in launched], "replan": False}

    def _replan(self, job: Job, cluster_id: str, index: int, reason: str) -> dict[str, Any]:
        """Supersede the stale wave (and later ones) and ask for a re-plan; past the bound ``StalePlan``
        (the wave rolls back: nothing of it was done). A job carrying out an approved preview never re-plans:
        a person approved those actions, so it does them or stops, and a new preview is theirs to approve."""
        if job.data.get("approved_from"):
            raise StalePlan(f"{reason}; this job carries out the approved preview {job.data['approved_from']} and "
                            "does only what was approved: nothing of this wave was changed; optimize again for "
                            "a fresh preview", field="snapshot")
        asked = replan.supersede(self._jobs, job, cluster_id, index, reason, self._clock.now(), ACTOR)
        if asked is None:
            raise StalePlan(f"{reason}; stopped after {MAX_WAVE_REPLANS} re-plan(s), nothing of this wave was "
                            "changed", field="snapshot")
        return asked

    # ---- waits (task tokens) -----------------------------------------------------------------------
    def await_ready(self, org_id: str, cluster_id: str, job_id: str, index: int, token: str) -> dict[str, Any]:
        """Ask the agent to report each replacement Ready; the agent's results resume the state machine."""
        job = self._job(org_id, job_id)
        launched = ((self._progress(job).get("waves") or {}).get(str(index)) or {}).get("launched") or []
        now = self._clock.now()
        waits = [agent_action(job_id, index, "wait_node_ready", n,
                              {"node": x["node"], "timeout_s": max(1, self._timeouts.ready_s - 30), "poll_s": 2.0},
                              f"wave {index}: replacement {x['node']} must be Ready before anything is drained", now)
                 for n, x in enumerate(launched)]
        self._enqueue(org_id, cluster_id, job_id, waits)
        cordons = [f"{job_id}.w{index}.cordon.{n}" for n in range(len(self._wave(job, index).retire))]
        return self._register(org_id, job_id, f"ready:{index}", token, cordons + [w["id"] for w in waits])

    def drain(self, org_id: str, cluster_id: str, job_id: str, index: int, token: str) -> dict[str, Any]:
        """Drain the wave's nodes through the agent (Eviction API, PDBs); the results resume the machine."""
        job = self._job(org_id, job_id)
        self._guard(org_id, cluster_id, job, "drain")
        wave = self._wave(job, index)
        now = self._clock.now()
        drains = [agent_action(job_id, index, "drain", n,
                               {"node": r.node, "deadline_s": max(1, self._timeouts.drain_s - 30)},
                               f"wave {index}: {r.node}'s replacements are Ready; evicting its pods", now)
                  for n, r in enumerate(wave.retire)]
        self._enqueue(org_id, cluster_id, job_id, drains)
        self._save_wave(job, index, stage="draining")
        return self._register(org_id, job_id, f"drain:{index}", token, [d["id"] for d in drains])

    def _register(self, org_id: str, job_id: str, key: str, token: str, action_ids: list[str]) -> dict[str, Any]:
        job = self._job(org_id, job_id)
        callbacks = dict(job.data.get("callbacks") or {})
        callbacks[key] = {"token": token, "actions": action_ids}
        self._jobs.update(org_id, job_id, data={"callbacks": callbacks})
        if self._callbacks is not None:  # a retried wait whose actions are all final already resumes now
            self._callbacks.check(org_id, job_id)
        return {"waiting_for": action_ids, "key": key}

    # ---- terminate ---------------------------------------------------------------------------------
    def terminate(self, org_id: str, cluster_id: str, job_id: str, index: int) -> dict[str, Any]:
        """Terminate each node of the wave the agent reported drained; record what each move saved."""
        job = self._job(org_id, job_id)
        self._guard(org_id, cluster_id, job, "terminate")
        wave = self._wave(job, index)
        progress = self._progress(job)
        state = (progress.get("waves") or {}).get(str(index)) or {}
        launched = list(state.get("launched") or [])
        undrained = [r.node for n, r in enumerate(wave.retire)
                     if self._state(f"{job_id}.w{index}.drain.{n}") != ActionState.DONE]
        if undrained:
            raise NotDrained(f"not terminating {', '.join(undrained)}: the agent has not reported the drain done")
        gateway = self._gateway_for(org_id, cluster_id)[0] if wave.retire else None
        terminated: list[dict[str, Any]] = []
        retiring = {r.node for r in wave.retire}
        catalog = self._catalogs.catalog(_region(job, wave.retire))
        for r in wave.retire:
            assert gateway is not None
            after = gateway.terminate(r.instance_id)
            replacement = next((x for x in launched if x.get("for") == r.node), None)
            # a Spot move's plan carries its saving, not the node's price: price the node as it ran
            old = r.price_per_hour or catalog.price(r.instance_type, r.capacity_type, r.zone) or 0.0
            r = replace(r, price_per_hour=round(old, 6))
            saves = r.price_per_hour - (float(replacement["price_per_hour"]) if replacement else 0.0)
            line = activity_line(r, replacement, saves)
            self._jobs.audit_once(org_id, job_id, f"terminate:{r.instance_id}", AuditEntry(
                ACTOR, "execution.replaced" if replacement else "execution.removed", "node", r.node,
                before={"instance_id": r.instance_id, "instance_type": r.instance_type,
                        "capacity_type": r.capacity_type, "price_per_hour": r.price_per_hour},
                after={"job_id": job_id, "wave": index, "state": after, "replacement": replacement,
                       "saving_per_hour": round(saves, 6), "saving_per_month": monthly(saves)},
                reason=line))
            terminated.append({"node": r.node, "instance_id": r.instance_id, "state": after,
                               "saving_per_hour": round(saves, 6), "line": line})
            # recorded at once: should the next one fail, the rollback knows this node is gone (not to uncordon)
            self._save_wave(self._job(org_id, job_id), index, stage="terminating", terminated=list(terminated))
        terminated.extend(added_capacity(launched, retiring))
        job = self._job(org_id, job_id)
        progress = self._progress(job)
        done_before = {m["instance_id"] for m in progress.get("moves") or []}
        new_moves = [t for t in terminated if t["instance_id"] not in done_before]
        progress["moves"] = [*(progress.get("moves") or []), *new_moves]
        progress["realized_per_hour"] = round(sum(m["saving_per_hour"] for m in progress["moves"]), 6)
        self._jobs.update(org_id, job_id, data={"progress": progress})
        self._save_wave(self._job(org_id, job_id), index, stage="terminated", terminated=terminated)
        return {"wave": index, "terminated": [t["node"] for t in terminated if not t.get("added")],
                "saving_per_hour": round(sum(t["saving_per_hour"] for t in terminated), 6)}

    def _state(self, action_id: str) -> ActionState | None:
        found = self._actions.find(action_id)
        return found.state if found is not None else None

    # ---- rollback ----------------------------------------------------------------------------------
    def rollback(self, org_id: str, cluster_id: str, job_id: str, index: int | None,
                 error: str | None) -> dict[str, Any]:
        """Undo the failed wave: withdraw untaken actions, uncordon what stays, terminate replacements
        that never became Ready. Runs under SAFE_MODE too (compensation only gives capacity back)."""
        job = self._job(org_id, job_id)
        if index is None:
            return {"wave": None, "reason": "no wave had started"}
        wave = self._wave(job, index)
        state = ((self._progress(job).get("waves") or {}).get(str(index)) or {})
        terminated = {t["instance_id"] for t in state.get("terminated") or []}
        kinds = ("cordon", "wait_node_ready", "drain")
        possible = [f"{job_id}.w{index}.{k}.{n}" for k in kinds for n in range(max(len(wave.retire), 1) + 8)]
        withdrawn = self._actions.withdraw(org_id, cluster_id, possible)
        now = self._clock.now()
        uncordon = [agent_action(job_id, index, "uncordon", n, {"node": r.node},
                                 f"rollback of wave {index}: {r.node} stays and takes pods again", now)
                    for n, r in enumerate(wave.retire) if r.instance_id not in terminated]
        self._enqueue(org_id, cluster_id, job_id, uncordon)
        removed, kept = [], []
        launched = list(state.get("launched") or [])
        if launched:
            gateway = self._gateway_for(org_id, cluster_id)[0]
            for n, x in enumerate(launched):
                if self._state(f"{job_id}.w{index}.wait_node_ready.{n}") == ActionState.DONE:
                    kept.append(x["node"])  # Ready: it may already run pods; removing it would disrupt them
                    continue
                gateway.terminate(x["instance_id"])
                removed.append(x["instance_id"])
        causes = [str(w["cause"]) for k, w in (job.data.get("callbacks") or {}).items()
                  if k.endswith(f":{index}") and w.get("cause")]
        error = "; ".join([e for e in (error, *causes) if e]) or None
        result = {"wave": index, "withdrawn": len(withdrawn.withdrawn), "uncordoned": [u["params"]["node"] for u in uncordon],
                  "replacements_terminated": removed, "replacements_kept": kept, "error": error}
        self._jobs.audit_once(org_id, job_id, f"rollback:{index}", AuditEntry(
            ACTOR, "execution.rolled_back", "cluster", cluster_id, after={"job_id": job_id, **result},
            reason=f"wave {index} failed ({error}); {len(uncordon)} node(s) uncordoned, "
                   f"{len(removed)} replacement(s) that never became Ready terminated"))
        self._save_wave(self._job(org_id, job_id), index, stage="rolled_back", rollback=result)
        return result

    # ---- verify ------------------------------------------------------------------------------------
    def verify(self, org_id: str, cluster_id: str, job_id: str) -> dict[str, Any]:
        """Nothing Pending because of SpotHive, and the realized saving recorded on the job and the ledger."""
        job = self._job(org_id, job_id)
        progress = self._progress(job)
        moves = progress.get("moves") or []
        snapshot = self._snapshots.latest(org_id, cluster_id) or {}
        drained = {m["node"] for m in moves}
        live = {str(n.get("name")) for n in snapshot.get("nodes") or []}
        pending = sorted(f"{p.get('namespace')}/{p.get('name')}" for p in snapshot.get("pods") or []
                         if p.get("node") is None)
        per_hour = float(progress.get("realized_per_hour") or 0.0)
        realized = {"saving_per_hour": round(per_hour, 6), "saving_per_month": monthly(per_hour),
                    "moves": len(moves), "lines": [m["line"] for m in moves], "pending_pods": pending,
                    "drained_nodes_still_listed": sorted(drained & live)}
        self._jobs.update(org_id, job_id, data={"realized": realized})
        self._jobs.audit_once(org_id, job_id, "realized", AuditEntry(
            ACTOR, "execution.realized", "cluster", cluster_id, after={"job_id": job_id, **realized},
            reason=f"{len(moves)} node(s) replaced or removed; saves ${monthly(per_hour):,.2f}/month"
                   + (f"; {len(pending)} pod(s) Pending" if pending else "; nothing Pending")))
        return {k: v for k, v in realized.items() if k != "lines"}


def _region(job: Job, nodes: Sequence[Launch | Retirement]) -> str:
    """The cluster's region: the one its plan was made for, else its nodes' zone's."""
    outcome = job.data.get("outcome") or {}
    if outcome.get("region"):
        return str(outcome["region"])
    return region_of_zone(nodes[0].zone if nodes else "")
