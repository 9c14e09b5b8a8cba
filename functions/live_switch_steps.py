"""Tasks of the live-switch state machine: ``{"step": ..., "state": {...}}`` → the next state."""

from __future__ import annotations

from typing import Any

from spothive.observability import STEP_FUNCTIONS, lambda_handler, traced
from spothive.wiring import lab


@lambda_handler(STEP_FUNCTIONS)
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one step of the experiment on the state the state machine carries."""
    step = str(event.get("step", ""))
    with traced("SCRIPT-SPOT-01", step.upper().replace("_", "-") or "STEP"):
        return lab.live_switch().run(step, event.get("state") or {})
