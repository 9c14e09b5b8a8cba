"""One route group as a Lambda handler: FastAPI behind Mangum, with Powertools and SnapStart hooks."""

from __future__ import annotations

import logging
from typing import Any

from mangum import Mangum

from spothive.api.app import create_app, route_components
from spothive.observability import API_GATEWAY, lambda_handler
from spothive.wiring import reset

LOG = logging.getLogger(__name__)


def handler_for(group: str) -> Any:
    """The Lambda handler serving ``group`` (a function name of ``spothive.topology``).

    Nothing is connected at import time (every component is built on first use), so the SnapStart
    snapshot holds no socket or credential. Before the snapshot, :func:`prime` loads the code the
    group's components import (the wiring imports adapters only when it builds them), so a restored
    environment's first request does not pay for it; after a restore the components are forgotten anyway.
    """
    app = create_app([group])
    _register_snapstart_hooks(group)
    return lambda_handler(API_GATEWAY)(Mangum(app, lifespan="off"))


def prime(group: str) -> list[str]:
    """Build every component the routes of ``group`` depend on, then forget them all: the modules they
    import stay loaded, no client, pool or credential does. Returns the components that could not be built
    (logged; the first request builds them as usual)."""
    failed = []
    for build in route_components(group):
        try:
            build()
        except Exception as exc:  # priming is an optimisation: a missing setting fails on the request instead
            name = getattr(build, "__name__", repr(build))
            failed.append(name)
            LOG.info("not primed: %s (%s)", name, exc)
    reset()
    return failed


def _register_snapstart_hooks(group: str) -> None:
    try:  # present in the Lambda Python runtime only
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return
    register_before_snapshot(prime, group)
    register_after_restore(reset)
