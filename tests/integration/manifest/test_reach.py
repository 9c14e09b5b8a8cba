"""Given every function run against moto with its calls recorded, its code reaches only its manifest."""

from __future__ import annotations

import importlib
import json

import pytest

from infra.actions import OBJECT_ACTIONS, TABLE_ACTIONS
from infra.constants import CUSTOMER_TEMPLATE_PATH
from spothive import topology
from spothive.local.runtime import LocalStack
from spothive.topology import FunctionSpec, Target
from tests.integration.manifest import scenarios
from tests.integration.manifest.recorder import Call, Recorder, running

pytestmark = pytest.mark.integration

#: Declared grants no scenario can reach in the emulator, with the reason.
UNREACHED = {
    **{("api-clusters", a): "an agent's result resumes a wave's task token only while an execution waits "
       "(tests/integration/workflows/test_execution_flow.py)" for a in ("states:SendTaskSuccess", "states:SendTaskFailure")},
    ("opt-wave", "sts:AssumeRole"): "the customer role is assumed only while a wave launches or terminates "
    "(tests/integration/workflows/test_execution_flow.py)",
    ("api-auth", "cognito-idp:AdminDeleteUser"): "only when sign-up's records transaction fails after the "
    "directory user was created (the rollback removes it again)",
    ("worker-prices", "pricing:GetProducts"): "moto has no Pricing API: the local stack prices from the snapshot",
    ("worker-prices", "ec2:DescribeSpotPriceHistory"): "the local stack prices from the built-in snapshot "
    "(SPOTHIVE_PRICE_SOURCE=snapshot), which calls no AWS API",
    ("api-admin", "cloudwatch:GetMetricData"): "the local stack counts worker runs itself "
    "(SPOTHIVE_RUN_TELEMETRY=local); CloudWatch holds the Lambda metrics only on AWS",
    ("worker-report", "ses:SendEmail"): "the local stack has no SES sender: the report is written to the mailbox "
    "folder (SesMailer has its own test against moto)",
}
_DENY_CACHE = ("read only on a deny-list cache miss: Redis answers for a token once any function has "
               "checked it, so in one process only the first function to see a token reads the table")
#: Declared tables a scenario may legitimately not reach, with the reason.
UNREACHED_TABLES = {
    **{("opt-risk", table): "reached only when the cluster has an instance under an A/B test; the scenarios "
       "configure theirs after the optimization runs" for table in ("ml-models", "lab-experiments")},
    **{(spec.name, "revoked-tokens"): _DENY_CACHE for spec in topology.API_FUNCTIONS},
    **{(name, "node-templates"): "read only when the cluster's policy binds a template; the scenarios' "
       "clusters keep the default policy" for name in ("api-clusters", "opt-detect")},
    ("ws-connect", "revoked-tokens"): _DENY_CACHE,
    ("worker-report", "jobs"): "read only for optimizations executed through an agent in the report's week; the "
    "scenarios run this week, the report covers the last full one",
    ("worker-report", "node-templates"): "read only when the cluster's policy binds a template",
    **{(name, "agent-actions"): "reached only with a connected agent (its channel's routes, and an execution "
       "that queues for it); the agent channel's own tests cover both" for name in ("api-clusters", "opt-execute")},
    ("worker-hibernation", "agent-actions"): "reached only for a cluster hibernated through Karpenter (its agent); "
    "tests/integration/config/test_hibernation_karpenter.py covers it",
}
_WAVES = ("reached only while a wave runs against a connected agent and a customer account; "
          "tests/integration/workflows/test_execution_flow.py runs whole waves")
UNREACHED_TABLES |= {("opt-wave", t): _WAVES for t in ("agent-actions", "clusters", "accounts", "cluster-policies")}
UNREACHED_TABLES |= {("opt-execute", "cluster-policies"): "read only when an execution prepares its waves "
                     "(a connected agent and SAFE_MODE off)"}
#: Declared object prefixes a scenario may legitimately not reach, with the reason.
UNREACHED_OBJECTS = {
    ("opt-execute", "snapshots/"): "read only to name the nodes of a spot-only plan queued for a connected agent",
}
#: Calls that need no IAM permission.
FREE = {"sts:GetCallerIdentity"}


@pytest.fixture(scope="module")
def reached(stack: LocalStack, recording: Recorder) -> Recorder:
    """Every scenario, once, with the calls recorded."""
    scenarios.run_all(stack)
    return recording


def _table(stack: LocalStack, name: str) -> str:
    return name.removeprefix(f"{stack.provisioned.prefix}-")


def _undeclared(stack: LocalStack, spec: FunctionSpec, call: Call) -> str | None:
    """Why ``call`` is outside ``spec``'s manifest, or ``None`` when it is declared."""
    service = call.action.split(":", 1)[0]
    if call.action in FREE:
        return None
    if service == "dynamodb":
        mode = spec.table_modes().get(_table(stack, call.resource))
        if mode is None or call.action not in TABLE_ACTIONS[mode]:
            return f"{call.action} on {call.resource} (declared: {mode})"
        return None
    if service == "s3":
        prefix = call.resource.split("/", 1)[1] if "/" in call.resource else ""
        uses = [u for u in spec.buckets if u.prefix == prefix and call.action in OBJECT_ACTIONS[u.mode]]
        return None if uses else f"{call.action} on {call.resource}"
    targets = {
        "cognito-idp": (Target.USER_POOL, ""),
        "states": (Target.STATE_MACHINE, _machine(stack, call.resource)),
        "lambda": (Target.FUNCTION, call.resource),
        "sts": (Target.CUSTOMER_ROLE, ""),
        "kms": (Target.IMPERSONATION_KEY, ""),
        "sqs": (Target.DEAD_LETTER_QUEUES, ""),
        "execute-api": (Target.WEBSOCKET_API, ""),
        "ses": (Target.EMAIL_IDENTITY, ""),
    }
    target, name = targets.get(service, (Target.ANY, ""))
    for grant in spec.iam:
        if grant.target is target and grant.name == name and call.action in grant.actions:
            if target is Target.CUSTOMER_ROLE and ":role/SpotHiveAccess" not in call.resource:
                return f"{call.action} on {call.resource}, not a SpotHiveAccess role"
            return None
    return f"{call.action} on {call.resource}"


def _machine(stack: LocalStack, arn: str) -> str:
    names = {value: key for key, value in stack.provisioned.state_machines.items()}
    execution = arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
    return names.get(arn) or names.get(execution, arn)


def test_the_hook_sees_pynamodb_boto3_and_redis(stack: LocalStack, reached: Recorder) -> None:
    # Given a pynamodb model bound to the stack's tables, called directly under a probe's name
    from spothive.adapters.dynamo.models import MODELS

    model, table = next((cls, spec) for cls, spec in MODELS.items() if spec.suffix == "users")
    with running("probe"):
        model.describe_table()
    # Then pynamodb's own botocore client reached the hook
    assert Call("probe", "dynamodb:DescribeTable", f"{stack.provisioned.prefix}-{table.suffix}") in reached.of("probe")
    # And the functions' boto3 clients (S3, Cognito, Step Functions, Lambda, STS), the transactions and Redis did
    actions = {c.action for c in reached.calls if c.function}
    assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "s3:PutObject",
            "cognito-idp:AdminCreateUser", "states:StartExecution", "lambda:InvokeFunction",
            "sts:AssumeRole"} <= actions
    # And calls signed with an assumed customer role are told apart
    assert {c.function for c in reached.calls if c.customer} >= {"worker-discovery", "switch-step"}
    assert {"api-auth", "worker-prices"} <= reached.redis


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_function_reaches_only_what_its_manifest_declares(stack, reached, spec):
    calls = reached.of(spec.name)
    # Then every call made with the hub's credentials is declared
    undeclared = sorted({why for c in calls if not c.customer and (why := _undeclared(stack, spec, c))})
    assert undeclared == [], f"{spec.name} reaches what its manifest does not declare"
    # And calls into customer accounts happen only through a declared SpotHiveAccess role
    if any(c.customer for c in calls):
        assert any(g.target is Target.CUSTOMER_ROLE for g in spec.iam), spec.name
    # And only Redis users talk to Redis
    if spec.name in reached.redis:
        assert spec.needs_redis, f"{spec.name} uses Redis but does not declare it"


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_function_reaches_everything_its_manifest_declares(stack, reached, spec):
    calls = [c for c in reached.of(spec.name) if not c.customer]
    assert calls or spec.name == "worker-prices", f"no scenario ran {spec.name}"
    tables = {_table(stack, c.resource) for c in calls if c.action.startswith("dynamodb:")}
    unreached = {u.table for u in spec.tables} - tables - {t for (f, t) in UNREACHED_TABLES if f == spec.name}
    assert unreached == set(), f"{spec.name} declares tables it never reaches"
    prefixes = {c.resource.split("/", 1)[1] for c in calls if c.action.startswith("s3:")}
    unreached_objects = {u.prefix for u in spec.buckets} - prefixes - {
        o for (f, o) in UNREACHED_OBJECTS if f == spec.name}
    assert unreached_objects == set(), f"{spec.name} declares objects it never reaches"
    for grant in spec.iam:
        for action in grant.actions:
            if (spec.name, action) in UNREACHED:
                continue
            assert any(c.action == action for c in calls), f"{spec.name} declares {action} but never calls it"


def _customer_actions() -> list[str]:
    """Every action the customer's SpotHiveAccess role allows (wildcards kept), conditions aside."""
    template = json.loads(CUSTOMER_TEMPLATE_PATH.read_text(encoding="utf-8"))
    role = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"
                and "ExternalId" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"]))
    out: list[str] = []
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                action = statement["Action"]
                out += [action] if isinstance(action, str) else action
    return out


def test_customer_account_calls_are_allowed_by_the_customer_role(reached: Recorder) -> None:
    # Given the calls the hub made with an assumed SpotHiveAccess role
    allowed = _customer_actions()
    made = {c.action for c in reached.calls if c.customer and c.function} - FREE
    assert made, "no scenario reached a customer account"
    # Then the customer role's policy allows every one of them
    denied = sorted(a for a in made if not any(a == g or (g.endswith("*") and a.startswith(g[:-1]))
                                               for g in allowed))
    assert denied == []


def test_unreached_grants_are_still_declared_and_explained():
    for (name, action), reason in UNREACHED.items():
        assert any(action in g.actions for g in topology.function(name).iam)
        assert len(reason) >= 30


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_declared_services_exist(spec):
    assert spec.services, f"{spec.name} names no service"
    for dotted in spec.services:
        module, _, attribute = dotted.removeprefix("spothive.services.").partition(".")
        target = importlib.import_module(f"spothive.services.{module}")
        for part in attribute.split("."):
            target = getattr(target, part)
        assert callable(target), dotted
