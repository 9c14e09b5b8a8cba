"""Tasks of the live-switch state machine: ``{"step": ..., "state": {...}}`` → the next state."""

from __future__ import annotations

from typing import Any

from spothive.bootstrap import container


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one step of the experiment on the state the state machine carries."""
    return container().live_switch.run(str(event.get("step", "")), event.get("state") or {})
