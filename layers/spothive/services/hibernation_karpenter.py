"""The Karpenter kind of hibernation: the hub queues one agent action per transition and reads its report.

Unlike the AWS kinds, nothing happens within the worker's tick: a transition is recorded as ``pending``
with the id of the action queued for the cluster's agent; every later tick looks the action up and, once
it is final, records the outcome (the NodePool limits a wake must restore come from the sleep's report).
An action the agent has not taken within its lifetime is withdrawn and the transition fails, to be tried
again on the next tick like any failed transition.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from spothive.domain import hibernation as hib
from spothive.domain import hibernation_karpenter as karp
from spothive.domain.agent_actions import FINAL_STATES, ActionState, StoredAction
from spothive.domain.audit import AuditEntry
from spothive.domain.hibernation import HibernationRecord
from spothive.domain.hibernation_targets import SavedCapacity
from spothive.ports.agents import ActionWake, AgentActions

logger = logging.getLogger(__name__)
PENDING, FAILED, DRY_RUN = "pending", "failed", "dry_run"
SYSTEM_ACTOR = "system:hibernation"
RESOURCE = "hibernation_schedule"
#: The job id the hibernation actions are stored under (they belong to no optimization job).
JOB = "hibernation"


class RecordState(Protocol):
    """The worker's conditional write of a transition's state (``HibernationWorker._record``)."""

    def __call__(self, record: HibernationRecord, desired: str, applied: str, saved: SavedCapacity, now: datetime,
                 entry: AuditEntry | None, *, action_id: str | None = None,
                 error: str | None = None) -> HibernationRecord: ...


class KarpenterHibernation:
    """Queues ``hibernate_karpenter`` actions and records what the agent reported."""

    def __init__(self, actions: AgentActions, wake: ActionWake) -> None:
        self._actions = actions
        self._wake = wake

    def transition(self, record: HibernationRecord, desired: str, safe: bool, now: datetime,
                   entry: AuditEntry, store: RecordState) -> str:
        """A new transition: audited, then (unless SAFE_MODE) an action queued and ``pending`` recorded."""
        saved = _saved(record)
        if record.applied_state == PENDING and record.action_id:
            self._withdraw(record)  # the other way's action, if the agent has not taken it yet
        if safe:
            store(record, desired, DRY_RUN, saved, now, entry, error=None)
            return DRY_RUN
        action = self._action(record, desired, now)
        record = store(record, desired, PENDING, saved, now, entry, action_id=str(action["id"]), error=None)
        self._queue(record, action)
        return PENDING

    def follow_up(self, record: HibernationRecord, desired: str, safe: bool, now: datetime,
                  store: RecordState) -> str | None:
        """A transition in flight (``pending``) or failed: read the action's outcome, or try again."""
        saved = _saved(record)
        if record.applied_state == FAILED or not record.action_id:
            if safe:
                return None
            action = self._action(record, desired, now)
            record = store(record, desired, PENDING, saved, now, None, action_id=str(action["id"]),
                           error=record.last_error)
            self._queue(record, action)
            return PENDING
        stored = self._actions.find(record.action_id)
        if stored is None:  # the enqueue itself failed after the state was stored: queue it again
            if not safe:  # SAFE_MODE turned on meanwhile: queue nothing until it is off
                self._queue(record, self._action(record, desired, now, record.action_id))
            return None
        if stored.state not in FINAL_STATES:
            return self._expire(record, desired, stored, now, store)
        report = karp.read_report(stored.state.value, stored.result)
        verb = "sleep" if desired == hib.ASLEEP else "wake"
        if not report.ok:
            failed = {"state": desired, "left": report.left, "held": list(report.held)}
            entry = AuditEntry(SYSTEM_ACTOR, f"hibernation.{verb}.failed", RESOURCE, record.cluster_id, None, failed,
                               reason=report.error or "the agent reported a failure")
            keep = SavedCapacity(limits=report.limits or saved.limits) if desired == hib.ASLEEP else saved
            store(record, desired, FAILED, keep, now, entry, action_id=record.action_id, error=report.error)
            return FAILED
        applied = DRY_RUN if report.dry_run else desired
        if desired == hib.ASLEEP and not report.dry_run:
            saved = SavedCapacity(limits=report.limits)
        elif not report.dry_run:
            # restored: nothing is saved any more. A later wake whose sleep was never reported (withdrawn, or
            # overtaken by a manual wake) then sends no limits and the agent restores its own annotation,
            # never this cycle's values over limits the customer has changed since
            saved = SavedCapacity()
        after: dict[str, Any] = {"state": desired, "dry_run": report.dry_run, "action_id": record.action_id,
                                 "nodeclaims_deleted": list(report.deleted), "held": list(report.held)}
        if desired == hib.ASLEEP:
            after["nodepool_limits"] = {n: dict(sorted(v.items())) for n, v in sorted(saved.limits.items())}
        entry = AuditEntry(SYSTEM_ACTOR, f"hibernation.{verb}.done", RESOURCE, record.cluster_id, None, after,
                           reason="the agent's report")
        store(record, desired, applied, saved, now, entry, action_id=record.action_id, error=None)
        return applied

    def _expire(self, record: HibernationRecord, desired: str, stored: StoredAction, now: datetime,
                store: RecordState) -> str | None:
        not_after = str(stored.action.get("not_after") or "")
        if stored.state is not ActionState.QUEUED or not not_after or now <= datetime.fromisoformat(not_after):
            return None  # still queued within its lifetime, or the agent is at it
        self._withdraw(record)
        error = f"the agent did not take action {record.action_id} before {not_after} (is it running?)"
        entry = AuditEntry(SYSTEM_ACTOR, f"hibernation.{'sleep' if desired == hib.ASLEEP else 'wake'}.failed",
                           RESOURCE, record.cluster_id, None, {"state": desired, "left": "unchanged"}, reason=error)
        store(record, desired, FAILED, _saved(record), now, entry, action_id=record.action_id, error=error)
        return FAILED

    def _action(self, record: HibernationRecord, desired: str, now: datetime,
                same_id: str | None = None) -> dict[str, Any]:
        mode = karp.SLEEP if desired == hib.ASLEEP else karp.WAKE
        reason = f"hibernation schedule of {record.cluster_id}: {mode}"
        action = karp.hibernation_action(record.org_id, record.cluster_id, mode, now, reason, record.saved_limits)
        if same_id:
            action["id"] = same_id
        return action

    def _queue(self, record: HibernationRecord, action: dict[str, Any]) -> None:
        self._actions.enqueue(record.org_id, record.cluster_id, JOB, [action])
        try:
            self._wake.notify(record.org_id, record.cluster_id)
        except Exception:  # best effort: the agent's next poll finds the action anyway
            logger.warning("could not wake the agent of %s", record.cluster_id, exc_info=True)

    def _withdraw(self, record: HibernationRecord) -> None:
        if record.action_id:
            self._actions.withdraw(record.org_id, record.cluster_id, [record.action_id])


def _saved(record: HibernationRecord) -> SavedCapacity:
    return SavedCapacity(limits={n: dict(v) for n, v in record.saved_limits.items()})
