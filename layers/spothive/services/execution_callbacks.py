"""Resuming the optimization workflow's waits when the agent reports its actions (task-token callbacks).

A wave's wait registers ``{token, actions}`` on the job; each agent result for one of those actions
checks whether all of them are final: all ``done`` resumes the state machine with their results, any
other final state (refused, blocked by a PDB, failed, aborted, dry run) fails the wait so the wave rolls
back. Two results arriving together may both resume; the second finds the token spent (no harm).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from spothive.domain.agent_actions import FINAL_STATES, ActionState
from spothive.ports.agents import AgentActions
from spothive.ports.execution import TaskCallbacks
from spothive.ports.jobs import JobsRepo

LOG = logging.getLogger(__name__)
_WAVE_ACTION = re.compile(r"^(?P<job>.+)\.w(?P<wave>\d+)\.(?P<kind>[a-z_]+)\.(?P<n>\d+)$")


class ExecutionCallbacks:
    """Called after the hub records an agent result."""

    def __init__(self, jobs: JobsRepo, actions: AgentActions, callbacks: TaskCallbacks) -> None:
        self._jobs, self._actions, self._callbacks = jobs, actions, callbacks

    def action_finished(self, org_id: str, action_id: str) -> str | None:
        """Resume or fail the wait this action belongs to once all its actions are final; what was sent."""
        match = _WAVE_ACTION.match(action_id)
        if match is None:
            return None
        return self.check(org_id, match["job"])

    def check(self, org_id: str, job_id: str) -> str | None:
        """Resume every wait of the job whose actions are all final (also right after registering one)."""
        job = self._jobs.get(org_id, job_id)
        if job is None:
            return None
        sent = None
        callbacks = dict(job.data.get("callbacks") or {})
        for key, wait in callbacks.items():
            if wait.get("resumed"):
                continue
            outcome = self._outcome(list(wait.get("actions") or []))
            if outcome is None:
                continue
            ok, results = outcome
            cause = None
            if ok:
                self._callbacks.succeed(str(wait["token"]), {"key": key, "results": results})
                sent = f"{key}: succeeded"
            else:
                bad = [r for r in results if r["state"] != ActionState.DONE.value]
                cause = "; ".join(f"{r['action_id']} {r['state']}: {r['reason']}" for r in bad)
                self._callbacks.fail(str(wait["token"]), "AgentActionFailed", cause)
                sent = f"{key}: failed"
            callbacks[key] = {**wait, "resumed": sent, "cause": cause}
            self._jobs.update(org_id, job_id, data={"callbacks": callbacks})
        return sent

    def _outcome(self, action_ids: list[str]) -> tuple[bool, list[dict[str, Any]]] | None:
        results = []
        for action_id in action_ids:
            found = self._actions.find(action_id)
            if found is None or found.state not in FINAL_STATES:
                return None
            reason = str((found.result or {}).get("reason") or found.state.value)
            results.append({"action_id": action_id, "state": found.state.value, "reason": reason,
                            "details": dict((found.result or {}).get("details") or {})})
        return all(r["state"] == ActionState.DONE.value for r in results), results
