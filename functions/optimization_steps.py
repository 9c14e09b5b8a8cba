"""Tasks of the optimization state machine (detect → assess risk → decide → execute → record, compensate).

Each handler receives the whole state (``org_id``, ``cluster_id``, ``job_id`` and earlier results) and
returns the step's small summary, which the state machine stores under its ``ResultPath``.
"""

from __future__ import annotations

from typing import Any

from spothive.observability import STEP_FUNCTIONS, count, gauge, lambda_handler, logger
from spothive.services.optimization import StepInput
from spothive.wiring import optimization


@lambda_handler(STEP_FUNCTIONS, component=("MOD-SPOT-01", "DETECT-OPPORTUNITIES"))
def detect(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The plan of the cluster (stored on the job); counts and target ids."""
    result = optimization.steps().detect(StepInput.parse(event))
    if result.get("optimality_gap") is not None:
        gauge("PlanGap", 100 * float(result["optimality_gap"]))
    return result


@lambda_handler(STEP_FUNCTIONS, component=("MOD-AI-01", "ASSESS-RISK"))
def assess_risk(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Interruption probabilities and hive-mind flags of the target pools."""
    return optimization.steps().assess_risk(StepInput.parse(event))


@lambda_handler(STEP_FUNCTIONS, component=("CORE-DECIDE", "RESOLVE-CONFLICTS"))
def decide(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Approved and blocked actions; ``action_count`` drives the state machine's choice."""
    result = optimization.steps().decide(StepInput.parse(event))
    count("ActionsApproved", result.get("action_count", 0))
    count("ActionsBlocked", result.get("blocked_count", 0))
    return result


@lambda_handler(STEP_FUNCTIONS, component=("CORE-EXEC", "EXECUTE-PLAN"))
def execute(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Dry run under SAFE_MODE, else the actions to the agent's stream (``AgentNotConnected`` without one)."""
    result = optimization.steps().execute(StepInput.parse(event))
    if result.get("mode") == "dry_run":
        count("DryRuns", result.get("recorded", 0))
    logger.info("optimization executed", extra={"job_id": event.get("job_id"), **result})
    return result


@lambda_handler(STEP_FUNCTIONS, component=("CORE-EXEC", "COMPENSATE"))
def compensate(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Withdraw what the failed execution enqueued and the agent has not taken."""
    return optimization.steps().compensate(StepInput.parse(event), event.get("error"))


@lambda_handler(STEP_FUNCTIONS, component=("WORK-OPT-01", "RECORD-OUTCOME"))
def record(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The outcome in the audit ledger and the job's final status."""
    return optimization.steps().record(StepInput.parse(event), event)


_WAVE_STEPS = ("next", "cordon_and_launch", "await_ready", "drain", "terminate", "rollback", "verify")


@lambda_handler(STEP_FUNCTIONS)
def wave(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """One step of a wave (``step``: next, cordon_and_launch, await_ready, drain, terminate, rollback, verify)."""
    from spothive.domain.errors import InvalidInput
    from spothive.services.execution_terms import wave_of
    from spothive.services.step_errors import error_summary

    ids = StepInput.parse(event)
    step = event.get("step")
    if step not in _WAVE_STEPS:
        raise InvalidInput(f"step must be one of {', '.join(_WAVE_STEPS)}", field="step")
    steps = optimization.execution()
    index = wave_of(event)
    args = (ids.org_id, ids.cluster_id, ids.job_id)
    if step == "next":
        return steps.next_wave(*args)
    if step == "verify":
        return steps.verify(*args)
    if step == "rollback":
        return steps.rollback(*args, index, error_summary(event.get("error")))
    if index is None:
        raise InvalidInput("wave.index is required", field="wave")
    if step in ("await_ready", "drain"):
        token = event.get("task_token")
        if not isinstance(token, str) or not token:
            raise InvalidInput("task_token is required", field="task_token")
        result = (steps.await_ready if step == "await_ready" else steps.drain)(*args, index, token)
    else:
        result = (steps.cordon_and_launch if step == "cordon_and_launch" else steps.terminate)(*args, index)
    logger.info("wave step", extra={"job_id": ids.job_id, "step": step, "wave": index})
    return result
