"""What runs where, and what each function touches: one manifest per Lambda function.

The CDK app deploys exactly these functions and grants each exactly its manifest (tables by access
mode, bucket prefixes, IAM actions on named resources, settings, layers, sizing); the local stack runs
and provisions from the same manifests (uvicorn serves the route groups, the ticker fires the
schedules, moto runs the state machines and dispatches their Lambda tasks to the same handlers).
``tests/integration/manifest`` runs every function against moto with a recording botocore hook and
checks that what the code reaches is inside its manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources


class Access(StrEnum):
    """How a function uses a table or a bucket prefix.

    Tables: ``read`` (get, query, condition checks), ``write`` (also put, update, delete, batch write),
    ``append`` (the audit ledger: reads plus put and conditional update, never delete), ``stream``
    (reads the table's change stream). Buckets: ``read`` (get), ``append`` (get and put, never delete),
    ``write`` (get, put and delete). No mode allows a table Scan.
    """

    READ = "read"
    WRITE = "write"
    APPEND = "append"
    STREAM = "stream"


class Bucket(StrEnum):
    """The bucket roles: cluster snapshots and audit exports (data), risk model artifacts (model)."""

    DATA = "data"
    MODEL = "model"


class Target(StrEnum):
    """What an IAM grant applies to; ``ANY`` (``*``) only where the service has no resource scope."""

    CUSTOMER_ROLE = "customer-role"
    USER_POOL = "user-pool"
    STATE_MACHINE = "state-machine"
    FUNCTION = "function"
    ANY = "*"


class Layer(StrEnum):
    """Lambda layers: the core package and its dependencies, lightgbm/numpy, ``spothive_models``."""

    CORE = "core"
    ML = "ml"
    MODELS = "models"


@dataclass(frozen=True, slots=True)
class TableUse:
    """``table`` (a ``schema.ALL_TABLES`` suffix) used in ``mode``."""

    table: str
    mode: Access


@dataclass(frozen=True, slots=True)
class BucketUse:
    """Objects under ``prefix`` of the ``bucket`` role, used in ``mode`` (``read``/``append``/``write``)."""

    bucket: Bucket
    prefix: str
    mode: Access


@dataclass(frozen=True, slots=True)
class Grant:
    """IAM ``actions`` on ``target``; ``name`` names the state machine or function, ``reason`` says why."""

    actions: tuple[str, ...]
    target: Target
    name: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.target is Target.ANY and len(self.reason) < 30:
            raise ValueError(f"{self.actions}: a grant on '*' needs the reason the service has no resource scope")
        if (self.target in (Target.STATE_MACHINE, Target.FUNCTION)) != bool(self.name):
            raise ValueError(f"{self.actions}: name the {self.target} (and only a state machine or function)")


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One Lambda function and everything it touches; ``handler`` is ``module.attribute`` under ``functions/``.

    ``settings`` are the ``SPOTHIVE_*`` variables it reads beyond :data:`COMMON_SETTINGS` (and
    ``SPOTHIVE_REDIS_URL``, set when ``needs_redis``); the stack resolves their values.
    """

    name: str
    handler: str
    description: str
    #: Dotted names of the service classes (or methods) the handler and its routers call.
    services: tuple[str, ...] = ()
    tables: tuple[TableUse, ...] = ()
    buckets: tuple[BucketUse, ...] = ()
    needs_redis: bool = False
    settings: tuple[str, ...] = ()
    iam: tuple[Grant, ...] = ()
    layers: tuple[Layer, ...] = (Layer.CORE,)
    memory_mb: int = 512
    timeout_s: int = 29
    #: API path prefixes this function serves (empty for workers and workflow tasks).
    routes: tuple[str, ...] = ()
    #: ``(method, path)`` pairs reachable without a Cognito token.
    public_routes: tuple[tuple[str, str], ...] = ()

    @property
    def ml(self) -> bool:
        """Whether the function carries the ML layers."""
        return Layer.ML in self.layers

    def table_modes(self) -> dict[str, Access]:
        """Table suffix → access mode."""
        return {use.table: use.mode for use in self.tables}

    def environment(self) -> tuple[str, ...]:
        """Every ``SPOTHIVE_*`` variable the function receives."""
        return COMMON_SETTINGS + (REDIS_SETTING,) * self.needs_redis + self.settings


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


#: Every function reads these; the stack sets them on all of them.
COMMON_SETTINGS = ("SPOTHIVE_REGION", "SPOTHIVE_TABLE_PREFIX")
REDIS_SETTING = "SPOTHIVE_REDIS_URL"
AUDIT_TABLE = "audit-logs"

R, W, A = Access.READ, Access.WRITE, Access.APPEND


def _tables(**modes: Access) -> tuple[TableUse, ...]:
    """``_tables(audit_logs=A)`` → ``(TableUse("audit-logs", A),)``."""
    return tuple(TableUse(name.replace("_", "-"), mode) for name, mode in modes.items())


_SVC = "spothive.services."
#: API functions verify the Cognito token (issuer from the pool id, audience the client id) and look
#: the caller up in ``users`` by the token's subject; a signed-out token is found in ``revoked-tokens``
#: (Redis caches the answer); rate limits live in Redis.
_TOKEN_SETTINGS = ("SPOTHIVE_COGNITO_USER_POOL_ID", "SPOTHIVE_COGNITO_CLIENT_ID")
_AUTHENTICATE = f"{_SVC}auth.AuthService.authenticate"
_CALLER = {"users": R, "revoked_tokens": R}
#: Every plan (projection, preview, execution) obeys the cluster's stored policy and bound template.
_PLAN_POLICY = {"cluster_policies": R, "node_templates": R}
#: Linking probes the role, discovery and hibernation read and scale through it, the live switch
#: launches through it; only roles named SpotHiveAccess* (which demand the tenant's External ID).
_ASSUME = Grant(("sts:AssumeRole",), Target.CUSTOMER_ROLE)
_SNAPSHOTS, _EXPORTS, _MODELS, _USAGE = "snapshots/", "audit-exports/", "models/", "usage/"

API_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "api-auth", "api_auth.handler", "Sign-up, tokens, logout, who am I",
        services=(f"{_SVC}auth.AuthService",),
        # sign-up puts user, org and a placeholder account in one audited transaction; logout deny-lists
        # the token durably
        tables=_tables(users=W, orgs=W, accounts=W, audit_logs=A, revoked_tokens=W),
        needs_redis=True, settings=_TOKEN_SETTINGS,
        iam=(Grant(("cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
                    "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminDeleteUser",
                    "cognito-idp:AdminUserGlobalSignOut"), Target.USER_POOL,
                   reason="sign-up creates the directory user (deleted again if the records fail); "
                   "tokens sign in with the admin flow; logout revokes the refresh tokens"),),
        routes=("/api/auth",),
        public_routes=(("POST", "/api/auth/signup"), ("POST", "/api/auth/token")),
    ),
    FunctionSpec(
        "api-connect", "api_connect.handler", "Link and verify customer AWS accounts",
        services=(f"{_SVC}connect.ConnectService", _AUTHENTICATE),
        tables=_tables(**_CALLER, accounts=W, audit_logs=A),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_HUB_ACCOUNT_ID", "SPOTHIVE_CUSTOMER_TEMPLATE_URL",
                  "SPOTHIVE_CUSTOMER_ROLE_NAME", "SPOTHIVE_DISCOVERY_FUNCTION_NAME"),
        iam=(_ASSUME, Grant(("lambda:InvokeFunction",), Target.FUNCTION, "worker-discovery",
                            reason="a verified account is scanned at once, asynchronously")),
        routes=("/api/connect",),
    ),
    FunctionSpec(
        "api-clusters", "api_clusters.handler", "Clusters, metrics and the activity feed",
        services=(f"{_SVC}clusters.ClusterService", f"{_SVC}metrics.MetricsService",
                  f"{_SVC}agents.AgentService", f"{_SVC}audit.AuditService.activity",
                  f"{_SVC}optimization_jobs.OptimizationJobs", _AUTHENTICATE),
        # agent tokens: UpdateItem on clusters and a Query of by_agent_token; the activity feed reads the
        # ledger; starting an optimization job puts the job and its audit record in one transaction
        # the agent channel: its actions (ack and result by conditional writes) and the latest usage
        tables=_tables(**_CALLER, **_PLAN_POLICY, clusters=W, instances=R, jobs=W, audit_logs=A, agent_actions=W),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, A), BucketUse(Bucket.DATA, _USAGE, A)),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_DATA_BUCKET", "SPOTHIVE_API_BASE_URL",
                  "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN"),
        iam=(Grant(("states:StartExecution",), Target.STATE_MACHINE, "optimization"),
             Grant(("states:SendTaskSuccess", "states:SendTaskFailure"), Target.STATE_MACHINE, "optimization",
                   reason="an agent's result resumes the optimization wave waiting for it (task token)")),
        routes=("/api/client", "/api/clusters", "/api/metrics", "/api/activity", "/api/agent", "/api/safe-mode"),
        # agents authenticate with their per-cluster token, checked by the function itself
        public_routes=(("POST", "/api/agent/heartbeat"), ("PUT", "/api/agent/snapshot"),
                       ("POST", "/api/agent/usage"), ("POST", "/api/agent/signals"), ("GET", "/api/agent/actions"),
                       ("POST", "/api/agent/actions/{action_id}/ack"),
                       ("POST", "/api/agent/actions/{action_id}/result")),
    ),
    FunctionSpec(
        "api-config", "api_config.handler", "Node templates, policies and hibernation",
        services=(f"{_SVC}templates.TemplateService", f"{_SVC}policies.PolicyService",
                  f"{_SVC}hibernation.HibernationService", _AUTHENTICATE),
        # templates, policies and schedules are audited writes; policies and schedules check the cluster
        tables=_tables(**_CALLER, node_templates=W, cluster_policies=W, hibernation_schedules=W,
                       clusters=R, audit_logs=A),
        needs_redis=True, settings=_TOKEN_SETTINGS,
        routes=("/api/templates", "/api/policies", "/api/hibernation"),
    ),
    FunctionSpec(
        "api-audit", "api_audit.handler", "The audit ledger",
        services=(f"{_SVC}audit.AuditService", _AUTHENTICATE),
        # an export is itself audited (audit.export appended to the tenant's chain)
        tables=_tables(**_CALLER, audit_logs=A),
        # exports are new objects; GetObject lets the presigned download link work
        buckets=(BucketUse(Bucket.DATA, _EXPORTS, A),),
        needs_redis=True, settings=(*_TOKEN_SETTINGS, "SPOTHIVE_EXPORTS_BUCKET"),
        routes=("/api/audit",),
    ),
    FunctionSpec(
        "api-admin", "api_admin.handler", "Super-admin and the model lab",
        services=(f"{_SVC}model_lab.ModelLab", _AUTHENTICATE),
        # model registry actions are audited under the "platform" org
        tables=_tables(**_CALLER, ml_models=W, audit_logs=A),
        buckets=(BucketUse(Bucket.MODEL, _MODELS, W),),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_MODEL_BUCKET", "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS"),
        # uploads are validated in a LightGBM subprocess: the ML layers, memory for it, and a wall clock
        # (SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS) inside API Gateway's 29 s
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), memory_mb=1536, timeout_s=60,
        routes=("/api/admin", "/api/lab"),
    ),
)

WORKER_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "worker-discovery", "worker_discovery.handler", "Scan linked accounts (WORK-DISC-01)",
        services=(f"{_SVC}discovery.DiscoveryService",),
        # scan records are audited with each account's status change
        tables=_tables(accounts=W, clusters=W, instances=W, scans=W, audit_logs=A),
        iam=(_ASSUME,), memory_mb=1024, timeout_s=300,  # no Redis: scans touch DynamoDB and customer APIs
    ),
    FunctionSpec(
        "worker-prices", "worker_prices.handler", "Refresh hot Spot and On-Demand prices (SVC-PRICE-01)",
        services=(f"{_SVC}prices.PriceRefresher",),
        needs_redis=True, settings=("SPOTHIVE_PRICE_SOURCE",),
        iam=(Grant(("pricing:GetProducts", "ec2:DescribeSpotPriceHistory"), Target.ANY,
                   reason="the Pricing API and Spot price history support no resource-level permissions"),),
        timeout_s=120,
    ),
    FunctionSpec(
        "worker-advisor", "worker_advisor.handler", "Ingest the Spot Advisor feed (SVC-SCRAPE-01)",
        services=(f"{_SVC}advisor_ingest.AdvisorIngest",),
        tables=_tables(interruption_rates=W), timeout_s=120,
    ),
    FunctionSpec(
        "worker-hibernation", "worker_hibernation.handler", "Sleep and wake clusters (WORK-HIB-01)",
        services=(f"{_SVC}hibernation.HibernationWorker",),
        # enabled schedules by shard, the cluster and its account (role), then the audited state change
        tables=_tables(hibernation_schedules=W, clusters=R, accounts=R, audit_logs=A),
        needs_redis=True, iam=(_ASSUME,), timeout_s=60,
    ),
    FunctionSpec(
        "worker-spot-events", "worker_spot_events.handler",
        "Spot interruption warnings into the hive mind (SVC-RISK-GLB)",
        services=(f"{_SVC}hive_mind.HiveMind",),
        # instance lookup: accounts by_status, then GetItem on instances
        tables=_tables(accounts=R, instances=R), needs_redis=True,
    ),
    FunctionSpec(
        "model-endpoint", "model_endpoint.handler", "Interruption-risk model (MOD-AI-01)",
        services=(f"{_SVC}model_lab.RiskModelHolder",),
        # Redis for the models:production hot swap; the announced artifact is read from the model bucket
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R),),
        needs_redis=True, settings=("SPOTHIVE_MODEL_BUCKET",),
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), memory_mb=1024, timeout_s=30,
    ),
)

_STEPS = f"{_SVC}optimization.OptimizationSteps"
WORKFLOW_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "opt-detect", "optimization_steps.detect", "Optimization: detect opportunities",
        services=(f"{_STEPS}.detect",),
        # every step reads and updates its job; detect also reads the cluster, its instances and snapshot
        tables=_tables(**_PLAN_POLICY, jobs=W, clusters=R, instances=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET",), timeout_s=120,
    ),
    FunctionSpec(
        "opt-risk", "optimization_steps.assess_risk", "Optimization: score interruption risk",
        services=(f"{_STEPS}.assess_risk",),
        tables=_tables(jobs=W),
        # loads the announced production model in process
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R),),
        needs_redis=True, settings=("SPOTHIVE_MODEL_BUCKET",),
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), timeout_s=60,
    ),
    FunctionSpec(
        "opt-decide", "optimization_steps.decide", "Optimization: resolve conflicts (CORE-DECIDE)",
        services=(f"{_STEPS}.decide",), tables=_tables(jobs=W), timeout_s=60,
    ),
    FunctionSpec(
        "opt-execute", "optimization_steps.execute", "Optimization: carry out actions (CORE-EXEC)",
        services=(f"{_STEPS}.execute",),
        # dry runs write one audit record per action (the job and the ledger in one transaction); approved
        # actions are put on the agent's queue, named by node as the latest snapshot knows them
        tables=_tables(jobs=W, audit_logs=A, agent_actions=W, cluster_policies=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET",), timeout_s=300,
    ),
    FunctionSpec(
        "opt-wave", "optimization_steps.wave", "Optimization: one wave step (cordon, launch, wait, drain, terminate)",
        services=(f"{_SVC}execution.ExecutionSteps",),
        # the job and its audit records, the agent's queue, the latest snapshot; the cluster, its account
        # and policy say which role, node group and disruption budget; launches and terminations go
        # through the customer role
        tables=_tables(jobs=W, audit_logs=A, agent_actions=W, clusters=R, accounts=R, cluster_policies=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, iam=(_ASSUME,),
        settings=("SPOTHIVE_DATA_BUCKET", "SPOTHIVE_EXECUTION_READY_TIMEOUT_SECONDS",
                  "SPOTHIVE_EXECUTION_DRAIN_TIMEOUT_SECONDS"),
        timeout_s=300,
    ),
    FunctionSpec(
        "opt-compensate", "optimization_steps.compensate", "Optimization: undo a failed execution",
        # withdraws what the failed execution queued and the agent has not taken
        services=(f"{_STEPS}.compensate",), tables=_tables(jobs=W, agent_actions=W), needs_redis=True,
        timeout_s=300,
    ),
    FunctionSpec(
        "opt-audit", "optimization_steps.record", "Optimization: write the outcome to the ledger",
        services=(f"{_STEPS}.record",), tables=_tables(jobs=W, audit_logs=A), timeout_s=30,
    ),
    FunctionSpec(
        "switch-step", "live_switch_steps.handler", "Live-switch experiment steps",
        services=(f"{_SVC}live_switch.LiveSwitch",),
        # the experiment item is put after every step; SAFE_MODE is read from Redis
        tables=_tables(lab_experiments=W), needs_redis=True, iam=(_ASSUME,), timeout_s=120,
    ),
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
            "WaveFunctionArn": "opt-wave",
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


def declared_settings() -> frozenset[str]:
    """Every ``SPOTHIVE_*`` variable some function receives."""
    return frozenset(v for spec in ALL_FUNCTIONS for v in spec.environment())
