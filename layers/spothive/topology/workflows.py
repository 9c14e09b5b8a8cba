"""The Step Functions state machines and the functions that serve their tasks."""

from __future__ import annotations

from spothive.topology._shared import (
    _ASSUME,
    _CALIBRATION,
    _MODELS,
    _PLAN_POLICY,
    _PUSH,
    _PUSH_SETTINGS,
    _SNAPSHOTS,
    _SVC,
)
from spothive.topology.specs import A, Bucket, BucketUse, FunctionSpec, Layer, R, StateMachineSpec, W, _tables

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
        services=(f"{_STEPS}.assess_risk", f"{_SVC}model_recalibration.CalibrationFollower"),
        # the cluster's instances under an A/B test are scored by their tagged registry model too, and
        # each such prediction is recorded in lab-experiments
        tables=_tables(jobs=W, instances=R, ml_models=R, lab_experiments=W),
        # loads the announced production model in process, and follows its version's stored calibration
        buckets=(BucketUse(Bucket.MODEL, _MODELS, R), BucketUse(Bucket.MODEL, _CALIBRATION, R)),
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
        services=(f"{_SVC}live_switch.LiveSwitch", f"{_SVC}streams.StreamService.lab_saved"),
        # the experiment item is put after every step; SAFE_MODE is read from Redis (a dry run is audited in
        # the tenant's chain); each step is pushed to the sockets following the experiment's lab stream
        tables=_tables(lab_experiments=W, stream_connections=R, audit_logs=A), needs_redis=True, settings=_PUSH_SETTINGS,
        iam=(_ASSUME, _PUSH), timeout_s=120,
        reserved_concurrency=2,  # platform admins run one experiment at a time
    ),
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

