"""What runs where, and what each function touches: one manifest per Lambda function.

The CDK app deploys exactly these functions and grants each exactly its manifest (tables by access
mode, bucket prefixes, IAM actions on named resources, settings, layers, sizing); the local stack runs
and provisions from the same manifests (uvicorn serves the route groups, the ticker fires the
schedules, moto runs the state machines and dispatches their Lambda tasks to the same handlers).
``tests/integration/manifest`` runs every function against moto with a recording botocore hook and
checks that what the code reaches is inside its manifest.
"""

from __future__ import annotations

from spothive.topology.api import API_FUNCTIONS
from spothive.topology.specs import (
    ASYNC_MAX_EVENT_AGE_S,
    ASYNC_RETRIES,
    AUDIT_TABLE,
    COMMON_SETTINGS,
    CONCURRENCY_BUDGET,
    REDIS_SETTING,
    Access,
    Bucket,
    BucketUse,
    FunctionSpec,
    Grant,
    Layer,
    ScheduleSpec,
    StateMachineSpec,
    TableUse,
    Target,
)
from spothive.topology.streams import STREAM_FUNCTIONS
from spothive.topology.workers import SCHEDULES, WORKER_FUNCTIONS
from spothive.topology.workflows import STATE_MACHINES, WORKFLOW_FUNCTIONS

__all__ = [
    "ALL_FUNCTIONS", "API_FUNCTIONS", "ASYNC_MAX_EVENT_AGE_S", "ASYNC_RETRIES", "AUDIT_TABLE", "COMMON_SETTINGS",
    "CONCURRENCY_BUDGET", "REDIS_SETTING", "SCHEDULES", "STATE_MACHINES", "STREAM_FUNCTIONS", "WORKER_FUNCTIONS",
    "WORKFLOW_FUNCTIONS", "Access", "Bucket", "BucketUse", "FunctionSpec", "Grant", "Layer", "ScheduleSpec",
    "StateMachineSpec", "TableUse", "Target", "declared_settings", "function",
]

ALL_FUNCTIONS: tuple[FunctionSpec, ...] = API_FUNCTIONS + WORKER_FUNCTIONS + WORKFLOW_FUNCTIONS + STREAM_FUNCTIONS


def function(name: str) -> FunctionSpec:
    """The function spec called ``name``."""
    for spec in ALL_FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def declared_settings() -> frozenset[str]:
    """Every ``SPOTHIVE_*`` variable some function receives."""
    return frozenset(v for spec in ALL_FUNCTIONS for v in spec.environment())
