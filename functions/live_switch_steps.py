"""Tasks of the live-switch state machine: ``{"step": ..., "state": {...}}`` → the next state."""

from __future__ import annotations

from typing import Any

from spothive.observability import STEP_FUNCTIONS, lambda_handler
from spothive.wiring import lab


@lambda_handler(STEP_FUNCTIONS)
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one step of the experiment on the state the state machine carries."""
    return lab.live_switch().run(str(event.get("step", "")), event.get("state") or {})
