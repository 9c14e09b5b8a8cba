"""The API route groups: one function per group, behind API Gateway (Cognito) and uvicorn locally."""

from __future__ import annotations

from spothive.topology._shared import (
    _ASSUME,
    _AUTHENTICATE,
    _CALIBRATION,
    _CALLER,
    _EXPORTS,
    _HEALTH_SETTINGS,
    _MODELS,
    _PLAN_POLICY,
    _SNAPSHOTS,
    _SVC,
    _TOKEN_SETTINGS,
    _USAGE,
    _VERIFY_IMPERSONATION,
)
from spothive.topology.specs import A, Bucket, BucketUse, FunctionSpec, Grant, Layer, R, Target, W, _tables

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
                  "SPOTHIVE_CUSTOMER_ROLE_NAME", "SPOTHIVE_DISCOVERY_FUNCTION_NAME",
                  # the permission probe runs in the first scanned region
                  "SPOTHIVE_SCAN_REGIONS"),
        iam=(_ASSUME, Grant(("lambda:InvokeFunction",), Target.FUNCTION, "worker-discovery",
                            reason="a verified account is scanned at once, asynchronously"), _VERIFY_IMPERSONATION),
        routes=("/api/connect",), reserved_concurrency=5,  # linking is rare (a few calls per account)
    ),
    FunctionSpec(
        "api-clusters", "api_clusters.handler", "Clusters, metrics and the activity feed",
        services=(f"{_SVC}clusters.ClusterService", f"{_SVC}metrics.MetricsService",
                  f"{_SVC}agents.AgentService", f"{_SVC}audit.AuditService.activity",
                  f"{_SVC}optimization_jobs.OptimizationJobs", f"{_SVC}cluster_discovery.ClusterDiscover",
                  f"{_SVC}utilization.RightSizing", f"{_SVC}workload_sizing.WorkloadRightSizing",
                  f"{_SVC}workload_sizing.UsageFolder",
                  _AUTHENTICATE),
        # agent tokens: UpdateItem on clusters and a Query of by_agent_token; the activity feed reads the
        # ledger; starting an optimization job puts the job and its audit record in one transaction
        # the agent channel: its actions (ack and result by conditional writes) and the latest usage
        # discover reads the account (its role) and lists the clusters live through it
        # right-sizing reads the CloudWatch histograms; workload right-sizing keeps its usage histories in Redis
        # (``rightsizing:{org}:{cluster}``, one hash per cluster: HMGET/HSET per usage sample, HGETALL per read)
        # and re-packs the latest snapshot (data bucket) under the cluster's policy (cluster_policies)
        tables=_tables(**_CALLER, **_PLAN_POLICY, clusters=W, instances=R, jobs=W, audit_logs=A, agent_actions=W,
                       accounts=R, utilization=R),
        buckets=(BucketUse(Bucket.DATA, _SNAPSHOTS, A), BucketUse(Bucket.DATA, _USAGE, A)),
        needs_redis=True,
        settings=(*_TOKEN_SETTINGS, "SPOTHIVE_DATA_BUCKET", "SPOTHIVE_API_BASE_URL",
                  "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN",
                  "SPOTHIVE_SCAN_REGIONS"),  # discover lists the account's clusters in the scanned regions
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
                  f"{_SVC}admin_clients.AdminClients", f"{_SVC}worker_health.WorkerHealthService", _AUTHENTICATE,
                  f"{_SVC}model_recalibration.ModelRecalibration.card"),
        # model registry actions are audited under the "platform" org; impersonation checks the client
        # org, records its grant in both ledgers and revokes through the durable deny-list; the client
        # list queries orgs by_listing, then each client's accounts, clusters and instances; the lab checks
        # an instance is the org's and its account linked, records experiments and A/B predictions, and puts
        # the routing tag on the inventory copy of an A/B test's instances (and, through the customer role,
        # on the instances) unless SAFE_MODE (Redis) makes it a dry run; the lab stream reads experiments;
        # worker health reads the agents' action backlog counters (one Query on agent-actions) and the hive mind's interruption history (Redis)
        tables=_tables(**{**_CALLER, "revoked_tokens": W}, orgs=R, accounts=R, clusters=R, instances=W,
                       ml_models=W, audit_logs=A, lab_experiments=W, agent_actions=R),
        # the model card route reads the served model's calibration document and card (calibration/)
        buckets=(BucketUse(Bucket.MODEL, _MODELS, W), BucketUse(Bucket.MODEL, _CALIBRATION, R)),
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
