"""What the in-cluster agent calls besides heartbeats and snapshots: actions, usage and spot signals."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from spothive.domain.agent_actions import (
    HOLD_LIMIT_S,
    MAX_WAIT_S,
    POLL_PAGE,
    AckOutcome,
    ActionState,
    ResultOutcome,
    SignalBatch,
    signal_report,
)
from spothive.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceUnavailable, SpotHiveError
from spothive.ports.agents import ActionWake, AgentActions, SeenSignals, UsageStore
from spothive.ports.clock import Clock
from spothive.services.workload_sizing import UsageFolder

LOG = logging.getLogger(__name__)
#: Re-read the store this often while waiting, in case a wake-up was lost.
RECHECK_S = 5.0


class ActionConflict(Conflict):
    """409 carrying the action's stored state (the agent does not execute)."""

    def __init__(self, message: str, state: ActionState) -> None:
        super().__init__(message, field="action_id")
        self.state = state


class AgentChannel:
    """Use cases of ``/api/agent/actions``, ``/usage`` and ``/signals`` for an authenticated cluster."""

    def __init__(self, actions: AgentActions, wake: ActionWake, usage: UsageStore, seen: SeenSignals,
                 ingest: Callable[[Mapping[str, Any]], Any], clock: Clock,
                 monotonic: Callable[[], float] = time.monotonic, folder: UsageFolder | None = None) -> None:
        self._folder = folder
        self._actions = actions
        self._wake = wake
        self._usage = usage
        self._seen = seen
        self._ingest = ingest
        self._clock = clock
        self._monotonic = monotonic

    def poll(self, org_id: str, cluster_id: str, wait_s: int) -> list[dict[str, Any]]:
        """Queued actions oldest first (at most 20), waiting up to ``wait_s`` for the first one."""
        if not 0 <= wait_s <= MAX_WAIT_S:
            raise InvalidInput(f"wait must be an integer 0 to {MAX_WAIT_S}", field="wait")
        deadline = self._monotonic() + min(wait_s, HOLD_LIMIT_S)
        while True:
            found = self._actions.pending(org_id, cluster_id, POLL_PAGE)
            if found:
                return [dict(a.action) for a in found]
            recheck = self._monotonic() + RECHECK_S
            while True:
                remaining = min(deadline, recheck) - self._monotonic()
                if remaining <= 0 or self._wake.wait(org_id, cluster_id, remaining):
                    break
            if self._monotonic() >= deadline:
                return []

    def notify(self, org_id: str, cluster_id: str) -> None:
        """Wake the cluster's long-poll (after the workflow queued actions)."""
        self._wake.notify(org_id, cluster_id)

    def acknowledge(self, org_id: str, cluster_id: str, action_id: str) -> AckOutcome:
        """The first acknowledgement wins (execute); any later one is a 409 with the stored state."""
        outcome = self._actions.acknowledge(org_id, cluster_id, action_id, self._clock.now())
        if outcome is None:
            raise self._missing(org_id, cluster_id, action_id)
        if not outcome.execute:
            raise ActionConflict(f"action {action_id} is {outcome.state.value}, not queued; do not execute it",
                                 outcome.state)
        return outcome

    def record_result(self, org_id: str, cluster_id: str, action_id: str, result: Mapping[str, Any]) -> ResultOutcome:
        """Keep the first result; a replay changes nothing; a result before any ack is a 409."""
        if result.get("action_id") != action_id:
            raise InvalidInput(f"action_id {result.get('action_id')!r} does not match the path's {action_id!r}",
                               field="action_id")
        outcome = self._actions.record_result(org_id, cluster_id, action_id, result, self._clock.now())
        if outcome is None:
            raise self._missing(org_id, cluster_id, action_id)
        if not outcome.recorded and outcome.state in (ActionState.QUEUED, ActionState.WITHDRAWN):
            raise ActionConflict(f"action {action_id} was never acknowledged ({outcome.state.value})", outcome.state)
        if outcome.recorded:
            LOG.info("agent result for %s: %s", action_id, outcome.state.value)
        return outcome

    def save_usage(self, org_id: str, cluster_id: str, usage: dict[str, Any]) -> None:
        """Keep the latest usage sample of the cluster and fold it into the workload histories (right-sizing).

        The histories are advisory: when they cannot be written the sample is still accepted (logged)."""
        self._usage.save(org_id, cluster_id, usage)
        if self._folder is not None:
            try:
                self._folder.record(org_id, cluster_id, usage)
            except ServiceUnavailable as exc:
                LOG.warning("usage of %s not folded into the right-sizing history: %s", cluster_id, exc)

    def signals(self, org_id: str, cluster_id: str, signals: list[Mapping[str, Any]]) -> SignalBatch:
        """Deduplicate by id, then feed each Spot pool signal to the hive mind."""
        new = set(self._seen.first_seen(org_id, cluster_id, [str(s["id"]) for s in signals]))
        flagged, skipped = 0, []
        for signal in signals:
            if str(signal["id"]) not in new:
                continue
            report = signal_report(signal)
            if report is None:
                skipped.append(str(signal["id"]))
                continue
            try:
                if getattr(self._ingest(report), "status", None) == "flagged":
                    flagged += 1
            except InvalidInput as exc:  # a node label SpotHive cannot read as a pool: keep the rest
                LOG.warning("agent signal %s not flagged: %s", signal["id"], exc)
                skipped.append(str(signal["id"]))
        return SignalBatch(len(new), len(signals) - len(new), flagged, skipped)

    def _missing(self, org_id: str, cluster_id: str, action_id: str) -> SpotHiveError:
        other = self._actions.find(action_id)
        if other is not None and (other.org_id, other.cluster_id) != (org_id, cluster_id):
            return Forbidden(f"action {action_id} belongs to another cluster", field="action_id")
        return NotFound(f"action {action_id} not found", field="action_id")
