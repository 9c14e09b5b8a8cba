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
    IMPERSONATION_KEY = "impersonation-key"
    DEAD_LETTER_QUEUES = "dead-letter-queues"
    #: the live streams' WebSocket API stage (``POST @connections/*``)
    WEBSOCKET_API = "websocket-api"
    #: the SES identity the weekly report is sent from
    EMAIL_IDENTITY = "email-identity"
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
    #: Invoked asynchronously (EventBridge rules, ``InvocationType=Event``): Lambda retries
    #: :data:`ASYNC_RETRIES` times, then the event lands in the function's own dead-letter queue.
    async_invoked: bool = False
    #: Concurrent executions reserved for (and capped at) this function; see :data:`CONCURRENCY_BUDGET`.
    reserved_concurrency: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.reserved_concurrency <= CONCURRENCY_BUDGET:
            raise ValueError(f"{self.name}: reserved_concurrency must be 1..{CONCURRENCY_BUDGET}")
        if self.async_invoked and self.routes:
            raise ValueError(f"{self.name}: an API function is invoked synchronously, not async_invoked")

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
    """An EventBridge schedule that invokes ``function`` every ``minutes`` (or on ``cron`` on AWS)."""

    name: str
    function: str
    minutes: int
    description: str
    #: An EventBridge cron expression used on AWS instead of ``rate(minutes)`` (the local ticker keeps the period).
    cron: str = ""


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


#: Asynchronous invocations: retries after the first failure, and how old an event may grow before it is
#: dead-lettered instead (the same numbers for Lambda's async config and EventBridge targets).
ASYNC_RETRIES = 2
ASYNC_MAX_EVENT_AGE_S = 3600
#: Upper bound on the sum of every function's reserved concurrency. An account starts with 1000 concurrent
#: executions and Lambda keeps 100 unreserved; SpotHive keeps its share small so the rest of the account
#: (and the on-demand pool the custom-resource handlers draw from) is never starved.
CONCURRENCY_BUDGET = 150

#: Every function reads these; the stack sets them on all of them.
COMMON_SETTINGS = ("SPOTHIVE_REGION", "SPOTHIVE_TABLE_PREFIX")
REDIS_SETTING = "SPOTHIVE_REDIS_URL"
AUDIT_TABLE = "audit-logs"

R, W, A = Access.READ, Access.WRITE, Access.APPEND


def _tables(**modes: Access) -> tuple[TableUse, ...]:
    """``_tables(audit_logs=A)`` → ``(TableUse("audit-logs", A),)``."""
    return tuple(TableUse(name.replace("_", "-"), mode) for name, mode in modes.items())


_SVC = "spothive.services."
#: Worker health reads the deployed names of the watched functions and state machines (JSON objects)
#: and the workers' failure queue.
_HEALTH_SETTINGS = ("SPOTHIVE_HEALTH_FUNCTION_NAMES", "SPOTHIVE_HEALTH_STATE_MACHINE_ARNS",
                    "SPOTHIVE_HEALTH_DEAD_LETTER_URLS")
#: API functions verify the Cognito token (issuer from the pool id, audience the client id) and look
#: the caller up in ``users`` by the token's subject; a signed-out token is found in ``revoked-tokens``
#: (Redis caches the answer); rate limits live in Redis.
_TOKEN_SETTINGS = ("SPOTHIVE_COGNITO_USER_POOL_ID", "SPOTHIVE_COGNITO_CLIENT_ID", "SPOTHIVE_IMPERSONATION_KEY_ID")
_AUTHENTICATE = f"{_SVC}auth.AuthService.authenticate"
_CALLER = {"users": R, "revoked_tokens": R}
#: A super admin may act inside a client org with a token the hub's KMS key signed (ADR 0008): every
#: API function verifies it with the key's public half (fetched once) and records each such request in
#: the client's ledger.
_VERIFY_IMPERSONATION = Grant(("kms:GetPublicKey",), Target.IMPERSONATION_KEY,
                              reason="impersonation tokens are verified against the hub key's public half")
#: Every plan (projection, preview, execution) obeys the cluster's stored policy and bound template.
_PLAN_POLICY = {"cluster_policies": R, "node_templates": R}
#: Linking probes the role, discovery and hibernation read and scale through it, the live switch
#: launches through it; only roles named SpotHiveAccess* (which demand the tenant's External ID).
_ASSUME = Grant(("sts:AssumeRole",), Target.CUSTOMER_ROLE)
_SNAPSHOTS, _EXPORTS, _MODELS, _USAGE = "snapshots/", "audit-exports/", "models/", "usage/"
_MARKET = "market/"
#: Publishing to a live stream pushes to the open sockets that follow it (PostToConnection).
_PUSH = Grant(("execute-api:ManageConnections",), Target.WEBSOCKET_API,
              reason="messages are pushed to the sockets that follow the stream")
_PUSH_SETTINGS = ("SPOTHIVE_WEBSOCKET_ENDPOINT",)

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
                   "tokens sign in with the admin flow; logout revokes the refresh tokens"), _VERIFY_IMPERSONATION),
        routes=("/api/auth",),
        public_routes=(("POST", "/api/auth/signup"), ("POST", "/api/auth/token")),
        # every console session starts here; stage throttling caps sign-up at 5/h and tokens at 10/min
        reserved_concurrency=10,
    ),
    FunctionSpec(
        "api-connect", "api_connect.handler", "Link and verify customer AWS accounts",
        services=(f"{_SVC}connect.ConnectService", _AUTHENTICATE),
        tables=_tables(**_CALLER, accounts=W, audit_logs=A),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_HUB_ACCOUNT_ID", "SPOTHIVE_CUSTOMER_TEMPLATE_URL",
                  "SPOTHIVE_CUSTOMER_ROLE_NAME", "SPOTHIVE_DISCOVERY_FUNCTION_NAME"),
        iam=(_ASSUME, Grant(("lambda:InvokeFunction",), Target.FUNCTION, "worker-discovery",
                            reason="a verified account is scanned at once, asynchronously"), _VERIFY_IMPERSONATION),
        routes=("/api/connect",), reserved_concurrency=5,  # linking is rare (a few calls per account)
    ),
    FunctionSpec(
        "api-clusters", "api_clusters.handler", "Clusters, metrics and the activity feed",
        services=(f"{_SVC}clusters.ClusterService", f"{_SVC}metrics.MetricsService",
                  f"{_SVC}agents.AgentService", f"{_SVC}audit.AuditService.activity",
                  f"{_SVC}optimization_jobs.OptimizationJobs", f"{_SVC}cluster_discovery.ClusterDiscover",
                  f"{_SVC}utilization.RightSizing",
                  _AUTHENTICATE),
        # agent tokens: UpdateItem on clusters and a Query of by_agent_token; the activity feed reads the
        # ledger; starting an optimization job puts the job and its audit record in one transaction
        # the agent channel: its actions (ack and result by conditional writes) and the latest usage
        # discover reads the account (its role) and lists the clusters live through it
        # right-sizing reads the CloudWatch histograms
        tables=_tables(**_CALLER, **_PLAN_POLICY, clusters=W, instances=R, jobs=W, audit_logs=A, agent_actions=W,
                       accounts=R, utilization=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, A), BucketUse(Bucket.DATA, _USAGE, A)),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_DATA_BUCKET", "SPOTHIVE_API_BASE_URL",
                  "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN"),
        iam=(Grant(("states:StartExecution",), Target.STATE_MACHINE, "optimization"), _ASSUME,
             _VERIFY_IMPERSONATION,
             Grant(("states:SendTaskSuccess", "states:SendTaskFailure"), Target.STATE_MACHINE, "optimization",
                   reason="an agent's result resumes the optimization wave waiting for it (task token)")),
        routes=("/api/client", "/api/clusters", "/api/metrics", "/api/activity", "/api/agent", "/api/instances",
                "/api/safe-mode"),
        # agents authenticate with their per-cluster token, checked by the function itself
        public_routes=(("POST", "/api/agent/heartbeat"), ("PUT", "/api/agent/snapshot"),
                       ("POST", "/api/agent/usage"), ("POST", "/api/agent/signals"), ("GET", "/api/agent/actions"),
                       ("POST", "/api/agent/actions/{action_id}/ack"),
                       ("POST", "/api/agent/actions/{action_id}/result")),
        # the busiest function: every agent polls actions and heartbeats (~0.3 s each), plus the dashboard
        reserved_concurrency=25,
    ),
    FunctionSpec(
        "api-config", "api_config.handler", "Node templates, policies and hibernation",
        services=(f"{_SVC}templates.TemplateService", f"{_SVC}policies.PolicyService",
                  f"{_SVC}hibernation.HibernationService", _AUTHENTICATE),
        # templates, policies and schedules are audited writes; policies and schedules check the cluster
        # (or, for an instance group, the tagged instances)
        tables=_tables(**_CALLER, node_templates=W, cluster_policies=W, hibernation_schedules=W,
                       clusters=R, instances=R, audit_logs=A),
        needs_redis=True, settings=_TOKEN_SETTINGS, iam=(_VERIFY_IMPERSONATION,),
        routes=("/api/templates", "/api/policies", "/api/hibernation"), reserved_concurrency=5,
    ),
    FunctionSpec(
        "api-audit", "api_audit.handler", "The audit ledger",
        services=(f"{_SVC}audit.AuditService", _AUTHENTICATE),
        # an export is itself audited (audit.export appended to the tenant's chain)
        tables=_tables(**_CALLER, audit_logs=A),
        # exports are new objects; GetObject lets the presigned download link work
        buckets=(BucketUse(Bucket.DATA, _EXPORTS, A),),
        needs_redis=True, settings=(*_TOKEN_SETTINGS, "SPOTHIVE_EXPORTS_BUCKET"), iam=(_VERIFY_IMPERSONATION,),
        routes=("/api/audit",), reserved_concurrency=5,
    ),
    FunctionSpec(
        "api-admin", "api_admin.handler", "Super-admin and the model lab",
        services=(f"{_SVC}model_lab.ModelLab", f"{_SVC}impersonation.ImpersonationService",
                  f"{_SVC}admin_clients.AdminClients", f"{_SVC}worker_health.WorkerHealthService", _AUTHENTICATE),
        # model registry actions are audited under the "platform" org; impersonation checks the client
        # org, records its grant in both ledgers and revokes through the durable deny-list; the client
        # list queries orgs by_listing, then each client's accounts, clusters and instances; the lab checks
        # an instance is the org's and its account linked, records experiments and A/B predictions, and puts
        # the routing tag on the inventory copy of an A/B test's instances (and, through the customer role,
        # on the instances); the lab stream reads experiments
        tables=_tables(**{**_CALLER, "revoked_tokens": W}, orgs=R, accounts=R, clusters=R, instances=W,
                       ml_models=W, audit_logs=A, lab_experiments=W),
        buckets=(BucketUse(Bucket.MODEL, _MODELS, W),),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_MODEL_BUCKET", "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS",
                  *_HEALTH_SETTINGS, "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN"),
        # uploads are validated in a LightGBM subprocess: the ML layers, memory for it, and a wall clock
        # (SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS) inside API Gateway's 29 s
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), memory_mb=1536, timeout_s=60,
        iam=(Grant(("kms:Sign", "kms:GetPublicKey"), Target.IMPERSONATION_KEY,
                   reason="impersonation tokens are signed by the hub's asymmetric key, which never leaves KMS"),
             # worker health: the workers' Lambda metrics, each state machine's executions, the failure queue
             Grant(("cloudwatch:GetMetricData",), Target.ANY,
                   reason="CloudWatch GetMetricData supports no resource-level permissions"),
             *(Grant(("states:ListExecutions",), Target.STATE_MACHINE, name) for name in ("optimization", "live-switch")),
             Grant(("sqs:GetQueueAttributes",), Target.DEAD_LETTER_QUEUES,
                   reason="the depth of each worker's dead-letter queue is its backlog"),
             # the lab starts live switches and tags A/B instances through the customer role
             Grant(("states:StartExecution",), Target.STATE_MACHINE, "live-switch"), _ASSUME),
        # a handful of platform admins; each upload validation holds 1.5 GB for up to 60 s
        routes=("/api/admin", "/api/lab"), reserved_concurrency=3,
    ),
)

WORKER_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "worker-discovery", "worker_discovery.handler", "Scan linked accounts (WORK-DISC-01)",
        services=(f"{_SVC}discovery.DiscoveryService", f"{_SVC}utilization.UtilizationCollector"),
        # scan records are audited with each account's status change; CloudWatch CPU is merged into the
        # utilization histograms of stand-alone and agentless instances; progress goes to the live stream
        # (Redis) and to the sockets that follow it
        tables=_tables(accounts=W, clusters=W, instances=W, scans=W, audit_logs=A, utilization=W,
                       stream_connections=R),
        needs_redis=True, settings=(*_PUSH_SETTINGS, "SPOTHIVE_OPTIMIZE_FUNCTION_NAME"),
        iam=(_ASSUME, _PUSH, Grant(("lambda:InvokeFunction",), Target.FUNCTION, "worker-optimize",
                                   reason="a finished scan lets automation look at the account's clusters at once")),
        memory_mb=1024, timeout_s=300,
        # the 5-minute schedule plus one scan per newly verified account (api-connect, InvocationType=Event)
        async_invoked=True, reserved_concurrency=5,
    ),
    FunctionSpec(
        "worker-prices", "worker_prices.handler", "Refresh hot Spot and On-Demand prices (SVC-PRICE-01)",
        services=(f"{_SVC}prices.PriceRefresher",),
        needs_redis=True, settings=("SPOTHIVE_PRICE_SOURCE",),
        iam=(Grant(("pricing:GetProducts", "ec2:DescribeSpotPriceHistory"), Target.ANY,
                   reason="the Pricing API and Spot price history support no resource-level permissions"),),
        timeout_s=120, async_invoked=True, reserved_concurrency=1,  # one refresh at a time (5-minute schedule)
    ),
    FunctionSpec(
        "worker-advisor", "worker_advisor.handler", "Ingest the Spot Advisor feed (SVC-SCRAPE-01)",
        services=(f"{_SVC}advisor_ingest.AdvisorIngest",),
        # and, for the next model, Spot placement scores and price statistics appended under market/
        tables=_tables(interruption_rates=W), buckets=(BucketUse(Bucket.DATA, _MARKET, A),),
        settings=("SPOTHIVE_DATA_BUCKET",),
        iam=(Grant(("ec2:GetSpotPlacementScores", "ec2:DescribeSpotPriceHistory"), Target.ANY,
                   reason="placement scores and Spot price history support no resource-level permissions"),),
        timeout_s=120, async_invoked=True, reserved_concurrency=1,
    ),
    FunctionSpec(
        "worker-hibernation", "worker_hibernation.handler", "Sleep and wake clusters (WORK-HIB-01)",
        services=(f"{_SVC}hibernation.HibernationWorker",),
        # enabled schedules by shard, the cluster (or an instance group's tagged instances) and its account
        # (role), then the audited state change
        tables=_tables(hibernation_schedules=W, clusters=R, instances=R, accounts=R, audit_logs=A),
        # one run a minute; a second concurrent run would only contend for the same schedules
        needs_redis=True, iam=(_ASSUME,), timeout_s=60, async_invoked=True, reserved_concurrency=1,
    ),
    FunctionSpec(
        "worker-spot-events", "worker_spot_events.handler",
        "Spot interruption warnings into the hive mind (SVC-RISK-GLB)",
        services=(f"{_SVC}hive_mind.HiveMind", f"{_SVC}parallel_tests.ArmObserver.observe"),
        # instance lookup: accounts by_status, then GetItem on instances; a warning for an instance under an
        # A/B test (one GetItem on lab-experiments) is recorded against its model; warnings arrive in bursts
        # (a reclaimed pool warns for many instances at once)
        tables=_tables(accounts=R, instances=R, lab_experiments=W), needs_redis=True, async_invoked=True,
        reserved_concurrency=10,
    ),
    FunctionSpec(
        "worker-report", "worker_report.handler", "E-mail each org its weekly report (WORK-RPT-01)",
        services=(f"{_SVC}weekly_report.WeeklyReports",),
        # orgs with an active account (by_status), their users (by_org); the dashboard's spend and projection
        # (inventory, snapshots, the cluster's policy); the week's ledger and the jobs it names
        # the projection it quotes includes EC2 right-sizing, read from the utilization histograms
        tables=_tables(**_PLAN_POLICY, accounts=R, orgs=R, users=R, clusters=R, instances=R, audit_logs=R, jobs=R,
                       utilization=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        # hot prices and agent heartbeats are in Redis
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET", "SPOTHIVE_REPORT_SENDER", "SPOTHIVE_CONSOLE_URL"),
        iam=(Grant(("ses:SendEmail",), Target.EMAIL_IDENTITY, reason="the report is sent from the hub's identity"),),
        timeout_s=300, async_invoked=True, reserved_concurrency=1,  # one weekly run
    ),
    FunctionSpec(
        "worker-optimize", "worker_optimize.handler", "Start optimization by each cluster's automation mode (WORK-OPT-01)",
        services=(f"{_SVC}automation.AutomationWorker", f"{_SVC}optimization_jobs.OptimizationJobs.start_automated"),
        # orgs with an active account (by_status), their clusters, each cluster's policy and recent jobs
        # (by_cluster) and latest snapshot (its fingerprint); a start puts the job and its audit record in one
        # transaction and starts the state machine; SAFE_MODE switches are in Redis
        tables=_tables(accounts=R, clusters=R, cluster_policies=R, jobs=W, audit_logs=A),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET", "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN"),
        iam=(Grant(("states:StartExecution",), Target.STATE_MACHINE, "optimization"),),
        # the hourly schedule plus one run per finished scan (worker-discovery, InvocationType=Event); one pass
        # at a time, so two passes never both find a cluster idle and start two jobs for it
        timeout_s=300, async_invoked=True, reserved_concurrency=1,
    ),
    FunctionSpec(
        "model-endpoint", "model_endpoint.handler", "Interruption-risk model (MOD-AI-01)",
        services=(f"{_SVC}model_lab.RiskModelHolder",),
        # Redis for the models:production hot swap; the announced artifact is read from the model bucket
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R),),
        needs_redis=True, settings=("SPOTHIVE_MODEL_BUCKET",),
        # called synchronously (RequestResponse) behind the RiskModel port, one call per optimization job
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), memory_mb=1024, timeout_s=30, reserved_concurrency=5,
    ),
)

_STEPS = f"{_SVC}optimization.OptimizationSteps"
#: Optimization jobs running at once: each runs one step at a time, so every step reserves this many (a
#: throttled step is retried by the state machine's Retry on Lambda.TooManyRequestsException).
_JOBS = 5
WORKFLOW_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "opt-detect", "optimization_steps.detect", "Optimization: detect opportunities",
        services=(f"{_STEPS}.detect",),
        # every step reads and updates its job; detect also reads the cluster, its instances and snapshot
        tables=_tables(**_PLAN_POLICY, jobs=W, clusters=R, instances=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET",), timeout_s=120, reserved_concurrency=_JOBS,
    ),
    FunctionSpec(
        "opt-risk", "optimization_steps.assess_risk", "Optimization: score interruption risk",
        services=(f"{_STEPS}.assess_risk",),
        # the cluster's instances under an A/B test are scored by their tagged registry model too, and
        # each such prediction is recorded in lab-experiments
        tables=_tables(jobs=W, instances=R, ml_models=R, lab_experiments=W),
        # loads the announced production model in process
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R),),
        needs_redis=True, settings=("SPOTHIVE_MODEL_BUCKET",),
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), timeout_s=60, reserved_concurrency=_JOBS,
    ),
    FunctionSpec(
        "opt-decide", "optimization_steps.decide", "Optimization: resolve conflicts (CORE-DECIDE)",
        services=(f"{_STEPS}.decide",), tables=_tables(jobs=W), timeout_s=60, reserved_concurrency=_JOBS,
    ),
    FunctionSpec(
        "opt-execute", "optimization_steps.execute", "Optimization: carry out actions (CORE-EXEC)",
        services=(f"{_STEPS}.execute",),
        # dry runs write one audit record per action (the job and the ledger in one transaction); approved
        # actions are put on the agent's queue, named by node as the latest snapshot knows them
        tables=_tables(jobs=W, audit_logs=A, agent_actions=W, cluster_policies=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, R),),
        needs_redis=True, settings=("SPOTHIVE_DATA_BUCKET",), timeout_s=300, reserved_concurrency=_JOBS,
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
        timeout_s=300, reserved_concurrency=_JOBS,
    ),
    FunctionSpec(
        "opt-audit", "optimization_steps.record", "Optimization: write the outcome to the ledger",
        services=(f"{_STEPS}.record",), tables=_tables(jobs=W, audit_logs=A), timeout_s=30,
        reserved_concurrency=_JOBS,
    ),
    FunctionSpec(
        "switch-step", "live_switch_steps.handler", "Live-switch experiment steps",
        services=(f"{_SVC}live_switch.LiveSwitch",),
        # the experiment item is put after every step; SAFE_MODE is read from Redis
        tables=_tables(lab_experiments=W), needs_redis=True, iam=(_ASSUME,), timeout_s=120,
        reserved_concurrency=2,  # platform admins run one experiment at a time
    ),
)

_STREAMS = f"{_SVC}streams.StreamService"
#: The live streams' WebSocket API (API Gateway): its three routes, and the log forwarder.
STREAM_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "ws-connect", "ws_streams.connect", "Live streams: authenticate and subscribe a socket",
        services=(f"{_STREAMS}.subscription_for", f"{_STREAMS}.open_socket", _AUTHENTICATE),
        # the REST API's token; the discovery stream checks the account, the lab stream the experiment
        tables=_tables(**_CALLER, accounts=R, lab_experiments=R, stream_connections=W),
        needs_redis=True, settings=(*_TOKEN_SETTINGS, *_PUSH_SETTINGS), timeout_s=10,
    ),
    FunctionSpec(
        "ws-disconnect", "ws_streams.disconnect", "Live streams: forget a socket",
        services=(f"{_STREAMS}.close_socket",), tables=_tables(stream_connections=W),
        needs_redis=True, settings=_PUSH_SETTINGS, timeout_s=10,
    ),
    FunctionSpec(
        "ws-default", "ws_streams.default", "Live streams: push the messages after a cursor",
        services=(f"{_STREAMS}.poll_socket",),
        tables=_tables(lab_experiments=R, stream_connections=W),
        needs_redis=True, settings=_PUSH_SETTINGS, iam=(_PUSH,), timeout_s=10,
    ),
    FunctionSpec(
        "stream-logs", "stream_logs.handler", "Live streams: every function's logs into the platform log",
        services=(f"{_STREAMS}.log",), tables=_tables(stream_connections=R),
        needs_redis=True, settings=_PUSH_SETTINGS, iam=(_PUSH,), timeout_s=30,
        # CloudWatch Logs invokes it asynchronously with batches of every function's log events
        async_invoked=True, reserved_concurrency=5,
    ),
)

ALL_FUNCTIONS: tuple[FunctionSpec, ...] = API_FUNCTIONS + WORKER_FUNCTIONS + WORKFLOW_FUNCTIONS + STREAM_FUNCTIONS

SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("discovery", "worker-discovery", 5, "Scan every active account"),
    ScheduleSpec("prices", "worker-prices", 5, "Refresh Spot and On-Demand prices"),
    ScheduleSpec("spot-advisor", "worker-advisor", 360, "Ingest the Spot Advisor feed"),
    ScheduleSpec("hibernation", "worker-hibernation", 1, "Apply hibernation schedules"),
    ScheduleSpec("weekly-report", "worker-report", 7 * 24 * 60, "E-mail the weekly report, Mondays 08:00 UTC",
                 cron="cron(0 8 ? * MON *)"),
    ScheduleSpec("automation", "worker-optimize", 60, "Start optimization by each cluster's automation mode"),
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
