"""The one-line summary of a Step Functions ``$.error``, shared by the optimization and live-switch steps
(kept apart so the live switch does not load the optimization planner)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def error_summary(error: Mapping[str, Any] | None) -> str | None:
    """``Error: message`` of a Step Functions ``$.error`` (``Cause`` holds the Lambda error body)."""
    if not error:
        return None
    name = str(error.get("Error", "Error"))
    cause = error.get("Cause")
    message = cause
    if isinstance(cause, str):
        try:
            message = json.loads(cause).get("errorMessage", cause)
        except (ValueError, AttributeError):
            message = cause
    return f"{name}: {message}" if message else name
