"""What runs where: the Lambda functions, their routes and schedules, and the state machines.

The CDK app deploys exactly this list and the local stack runs exactly this list (uvicorn serves the
route groups, the ticker fires the schedules, moto runs the state machines and dispatches their Lambda
tasks to the same handlers), so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One Lambda function: ``handler`` is ``module.attribute`` under ``functions/``."""

    name: str
    handler: str
    description: str
    memory_mb: int = 512
    timeout_s: int = 29
    needs_redis: bool = False
    ml: bool = False
    #: API path prefixes this function serves (empty for workers and workflow tasks).
    routes: tuple[str, ...] = ()
    #: ``(method, path)`` pairs reachable without a Cognito token.
    public_routes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """An EventBridge schedule that invokes ``function`` every ``minutes``."""

    name: str
    function: str
    minutes: int
    description: str


@dataclass(frozen=True, slots=True)
class StateMachineSpec:
    """A Step Functions state machine whose ASL lives in ``spothive/workflows/<file>``.

    ``tasks`` maps each ``${Placeholder}`` in the definition to the function that serves it.
    """

    name: str
    file: str
    tasks: dict[str, str] = field(default_factory=dict)

    def definition(self) -> str:
        """The raw ASL with ``${...Arn}`` placeholders."""
        return resources.files("spothive.workflows").joinpath(self.file).read_text(encoding="utf-8")


API_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "api-auth", "api_auth.handler", "Sign-up, tokens, logout, who am I", needs_redis=True,
        routes=("/api/auth",),
        public_routes=(("POST", "/api/auth/signup"), ("POST", "/api/auth/token")),
    ),
    FunctionSpec(
        "api-connect", "api_connect.handler", "Link and verify customer AWS accounts", needs_redis=True,
        routes=("/api/connect",),
    ),
    FunctionSpec(
        "api-clusters", "api_clusters.handler", "Clusters, metrics and the activity feed", needs_redis=True,
        routes=("/api/client", "/api/clusters", "/api/metrics", "/api/activity", "/api/agent"),
        # agents authenticate with their per-cluster token, checked by the function itself
        public_routes=(("POST", "/api/agent/heartbeat"), ("PUT", "/api/agent/snapshot"),
                       ("POST", "/api/agent/usage"), ("POST", "/api/agent/signals"), ("GET", "/api/agent/actions"),
                       ("POST", "/api/agent/actions/{action_id}/ack"),
                       ("POST", "/api/agent/actions/{action_id}/result")),
    ),
    FunctionSpec(
        "api-config", "api_config.handler", "Node templates, policies and hibernation", needs_redis=True,
        routes=("/api/templates", "/api/policies", "/api/hibernation"),
    ),
    FunctionSpec(
        "api-audit", "api_audit.handler", "The audit ledger", needs_redis=True, routes=("/api/audit",),
    ),
    FunctionSpec(
        "api-admin", "api_admin.handler", "Super-admin and the model lab", needs_redis=True,
        routes=("/api/admin", "/api/lab"),
    ),
)

WORKER_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("worker-discovery", "worker_discovery.handler", "Scan linked accounts (WORK-DISC-01)",
                 memory_mb=1024, timeout_s=300, needs_redis=True),
    FunctionSpec("worker-prices", "worker_prices.handler", "Refresh hot Spot and On-Demand prices (SVC-PRICE-01)",
                 timeout_s=120, needs_redis=True),
    FunctionSpec("worker-advisor", "worker_advisor.handler", "Ingest the Spot Advisor feed (SVC-SCRAPE-01)",
                 timeout_s=120),
    FunctionSpec("worker-hibernation", "worker_hibernation.handler", "Sleep and wake clusters (WORK-HIB-01)",
                 timeout_s=60, needs_redis=True),
    FunctionSpec("worker-spot-events", "worker_spot_events.handler",
                 "Spot interruption warnings into the hive mind (SVC-RISK-GLB)", needs_redis=True),
    # needs Redis for the models:production hot swap
    FunctionSpec("model-endpoint", "model_endpoint.handler", "Interruption-risk model (MOD-AI-01)",
                 memory_mb=1024, timeout_s=30, ml=True, needs_redis=True),
)

WORKFLOW_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("opt-detect", "optimization_steps.detect", "Optimization: detect opportunities",
                 timeout_s=120, needs_redis=True),
    FunctionSpec("opt-risk", "optimization_steps.assess_risk", "Optimization: score interruption risk",
                 timeout_s=60, needs_redis=True),
    FunctionSpec("opt-decide", "optimization_steps.decide", "Optimization: resolve conflicts (CORE-DECIDE)",
                 timeout_s=60),
    FunctionSpec("opt-execute", "optimization_steps.execute", "Optimization: carry out actions (CORE-EXEC)",
                 timeout_s=300, needs_redis=True),
    FunctionSpec("opt-compensate", "optimization_steps.compensate", "Optimization: undo a failed execution",
                 timeout_s=300, needs_redis=True),
    FunctionSpec("opt-audit", "optimization_steps.record", "Optimization: write the outcome to the ledger",
                 timeout_s=30),
    FunctionSpec("switch-step", "live_switch_steps.handler", "Live-switch experiment steps", timeout_s=120,
                 needs_redis=True),  # reads SAFE_MODE
)

ALL_FUNCTIONS: tuple[FunctionSpec, ...] = API_FUNCTIONS + WORKER_FUNCTIONS + WORKFLOW_FUNCTIONS

SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("discovery", "worker-discovery", 5, "Scan every active account"),
    ScheduleSpec("prices", "worker-prices", 5, "Refresh Spot and On-Demand prices"),
    ScheduleSpec("spot-advisor", "worker-advisor", 360, "Ingest the Spot Advisor feed"),
    ScheduleSpec("hibernation", "worker-hibernation", 1, "Apply hibernation schedules"),
)

STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec(
        "optimization",
        "optimization.asl.json",
        {
            "DetectFunctionArn": "opt-detect",
            "RiskFunctionArn": "opt-risk",
            "DecideFunctionArn": "opt-decide",
            "ExecuteFunctionArn": "opt-execute",
            "CompensateFunctionArn": "opt-compensate",
            "AuditFunctionArn": "opt-audit",
        },
    ),
    StateMachineSpec("live-switch", "live_switch.asl.json", {"SwitchFunctionArn": "switch-step"}),
)


def function(name: str) -> FunctionSpec:
    """The function spec called ``name``."""
    for spec in ALL_FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)
