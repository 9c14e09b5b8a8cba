"""The executor's vocabulary: its errors, its wait budgets, the ids of the actions it gives the agent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.agent_actions import ACTION_LIFETIME
from spothive.domain.errors import Conflict, SpotHiveError


class SafeModeOn(SpotHiveError):
    """SAFE_MODE turned on while the job ran: no further mutating step."""

    code = "safe_mode_on"
    status = 409


class StalePlan(Conflict):
    """The cluster changed since the plan: re-plan rather than act."""

    code = "stale_plan"


class WaveRolledBack(Conflict):
    """A re-run of a job whose wave was rolled back: it does not resume (the job failed and compensated)."""

    code = "wave_rolled_back"


class NotDrained(SpotHiveError):
    """Termination refused: the agent has not reported the node's drain complete."""

    code = "not_drained"
    status = 409


@dataclass(frozen=True, slots=True)
class ExecutionTimeouts:
    """How long a wave waits for Ready replacements and for drains (the state machine's task timeouts)."""

    ready_s: int = 900
    drain_s: int = 900


def agent_action(job_id: str, wave: int, kind: str, n: int, params: dict[str, Any], reason: str,
                 now: datetime) -> dict[str, Any]:
    """One agent action of a wave with its stable id."""
    return {"id": f"{job_id}.w{wave}.{kind}.{n}", "type": kind, "params": params, "plan_id": job_id,
            "reason": reason[:2000], "created_at": iso(now), "not_after": iso(now + ACTION_LIFETIME)}


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def wave_of(state: Mapping[str, Any]) -> int | None:
    """The wave index in the state machine's state (``$.wave.index``)."""
    wave = state.get("wave")
    if isinstance(wave, Mapping) and isinstance(wave.get("index"), int):
        return int(wave["index"])
    return None
