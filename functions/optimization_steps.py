"""Tasks of the optimization state machine (detect → assess risk → decide → execute → record, compensate).

Each handler receives the whole state (``org_id``, ``cluster_id``, ``job_id`` and earlier results) and
returns the step's small summary, which the state machine stores under its ``ResultPath``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container
from spothive.services.optimization import StepInput

logger = Logger(service="spothive-optimization")


def detect(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The plan of the cluster (stored on the job); counts and target ids."""
    return container().optimization.detect(StepInput.parse(event))


def assess_risk(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Interruption probabilities and hive-mind flags of the target pools."""
    return container().optimization.assess_risk(StepInput.parse(event))


def decide(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Approved and blocked actions; ``action_count`` drives the state machine's choice."""
    return container().optimization.decide(StepInput.parse(event))


def execute(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Dry run under SAFE_MODE, else the actions to the agent's stream (``AgentNotConnected`` without one)."""
    result = container().optimization.execute(StepInput.parse(event))
    logger.info("optimization executed", extra={"job_id": event.get("job_id"), **result})
    return result


def compensate(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Withdraw what the failed execution enqueued and the agent has not taken."""
    return container().optimization.compensate(StepInput.parse(event), event.get("error"))


def record(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The outcome in the audit ledger and the job's final status."""
    return container().optimization.record(StepInput.parse(event), event)
