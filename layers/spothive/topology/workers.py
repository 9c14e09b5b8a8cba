"""The scheduled and event-driven workers, and the EventBridge schedules that invoke them."""

from __future__ import annotations

from spothive.topology._shared import (
    _ASSUME,
    _CALIBRATION,
    _MARKET,
    _MODELS,
    _PLAN_POLICY,
    _PUSH,
    _PUSH_SETTINGS,
    _SNAPSHOTS,
    _SVC,
)
from spothive.topology.specs import (
    A,
    Bucket,
    BucketUse,
    FunctionSpec,
    Grant,
    Layer,
    R,
    ScheduleSpec,
    Target,
    W,
    _tables,
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
        needs_redis=True, settings=(*_PUSH_SETTINGS, "SPOTHIVE_SCAN_REGIONS", "SPOTHIVE_OPTIMIZE_FUNCTION_NAME"),
        iam=(_ASSUME, _PUSH, Grant(("lambda:InvokeFunction",), Target.FUNCTION, "worker-optimize",
                                   reason="a finished scan lets automation look at the account's clusters at once")),
        memory_mb=1024, timeout_s=300,
        # the 5-minute schedule plus one scan per newly verified account (api-connect, InvocationType=Event)
        async_invoked=True, reserved_concurrency=5,
    ),
    FunctionSpec(
        "worker-prices", "worker_prices.handler", "Refresh hot Spot and On-Demand prices (SVC-PRICE-01)",
        services=(f"{_SVC}prices.PriceRefresher",),
        # every scanned region's prices, each beside its ingested Spot Advisor state (one GetItem per region)
        tables=_tables(interruption_rates=R),
        needs_redis=True, settings=("SPOTHIVE_PRICE_SOURCE", "SPOTHIVE_SCAN_REGIONS"),
        iam=(Grant(("pricing:GetProducts", "ec2:DescribeSpotPriceHistory"), Target.ANY,
                   reason="the Pricing API and Spot price history support no resource-level permissions"),),
        timeout_s=120, async_invoked=True, reserved_concurrency=1,  # one refresh at a time (5-minute schedule)
    ),
    FunctionSpec(
        "worker-advisor", "worker_advisor.handler", "Ingest the Spot Advisor feed (SVC-SCRAPE-01)",
        services=(f"{_SVC}advisor_ingest.AdvisorIngest", f"{_SVC}model_recalibration.ModelRecalibration.record_transition"),
        # and, for the next model, Spot placement scores and price statistics appended under market/
        # a feed that changed pools leaves its transition beside the models and asks the model endpoint to
        # recalibrate the served model on it (InvocationType=Event)
        tables=_tables(interruption_rates=W),
        buckets=(BucketUse(Bucket.DATA, _MARKET, A), BucketUse(Bucket.MODEL, _CALIBRATION, A)),
        settings=("SPOTHIVE_DATA_BUCKET", "SPOTHIVE_MODEL_BUCKET", "SPOTHIVE_MODEL_FUNCTION_NAME"),
        iam=(Grant(("ec2:GetSpotPlacementScores", "ec2:DescribeSpotPriceHistory"), Target.ANY,
                   reason="placement scores and Spot price history support no resource-level permissions"),
             Grant(("lambda:InvokeFunction",), Target.FUNCTION, "model-endpoint",
                   reason="the served model is recalibrated where it is served, with the ML layers")),
        timeout_s=120, async_invoked=True, reserved_concurrency=1,
    ),
    FunctionSpec(
        "worker-hibernation", "worker_hibernation.handler", "Sleep and wake clusters (WORK-HIB-01)",
        services=(f"{_SVC}hibernation.HibernationWorker",),
        # enabled schedules by shard, the cluster (or an instance group's tagged instances) and its account
        # (role), then the audited state change; a Karpenter cluster's transition is an action queued for its
        # agent (conditional put, withdraw) whose result later ticks read (by_action); the agent's long-poll is
        # woken through Redis
        tables=_tables(hibernation_schedules=W, clusters=R, instances=R, accounts=R, audit_logs=A, agent_actions=W),
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
        services=(f"{_SVC}model_lab.RiskModelHolder", f"{_SVC}model_recalibration.ModelRecalibration.recalibrate",
                  f"{_SVC}model_recalibration.CalibrationFollower"),
        # Redis for the models:production hot swap; the announced artifact is read from the model bucket, and
        # the served version's calibration (one keyed read a minute); a recalibration writes it and the card
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R), BucketUse(Bucket.MODEL, _CALIBRATION, A)),
        needs_redis=True, settings=("SPOTHIVE_MODEL_BUCKET",),
        # called synchronously (RequestResponse) behind the RiskModel port, one call per optimization job; the
        # Advisor worker's recalibration request arrives asynchronously (retried, then dead-lettered)
        layers=(Layer.CORE, Layer.ML, Layer.MODELS), memory_mb=1024, timeout_s=30, reserved_concurrency=5,
        async_invoked=True,
    ),
)

SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("discovery", "worker-discovery", 5, "Scan every active account"),
    ScheduleSpec("prices", "worker-prices", 5, "Refresh Spot and On-Demand prices"),
    ScheduleSpec("spot-advisor", "worker-advisor", 360, "Ingest the Spot Advisor feed"),
    ScheduleSpec("hibernation", "worker-hibernation", 1, "Apply hibernation schedules"),
    ScheduleSpec("weekly-report", "worker-report", 7 * 24 * 60, "E-mail the weekly report, Mondays 08:00 UTC",
                 cron="cron(0 8 ? * MON *)"),
    ScheduleSpec("automation", "worker-optimize", 60, "Start optimization by each cluster's automation mode"),
)
