"""One route group as a Lambda handler: FastAPI behind Mangum, with Powertools and a SnapStart hook."""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from spothive.api.app import create_app
from spothive.observability import API_GATEWAY, lambda_handler
from spothive.wiring import reset


def handler_for(group: str) -> Any:
    """The Lambda handler serving ``group`` (a function name of ``spothive.topology``).

    Nothing is connected at import time (every component is built on first use), so the SnapStart
    snapshot holds no socket or credential; after a restore the components are forgotten anyway, so a
    restored environment never reuses one that a pre-snapshot warm-up might have built.
    """
    _register_after_restore(reset)
    return lambda_handler(API_GATEWAY)(Mangum(create_app([group]), lifespan="off"))


def _register_after_restore(hook: Any) -> None:
    try:
        from snapshot_restore_py import register_after_restore  # present in the Lambda Python runtime only
    except ImportError:
        return
    register_after_restore(hook)
