"""One Lambda function from a topology ``FunctionSpec``: its layers and sizing from the manifest, and the
settings every SpotHive function shares (its ``SPOTHIVE_*`` variables are set by the hub stack).

The posture is applied here, so every function the topology declares inherits it: reserved concurrency
from the manifest, environment variables and the log group under customer-managed keys, and for
``async_invoked`` functions the retry policy and a dead-letter queue of their own. What checkov asks for
and does not apply (a DLQ on a synchronously invoked function, a VPC for one that reaches no private
resource) is skipped on the resource with the reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.access import wildcard_reasons
from infra.checkov import skip
from infra.constants import LOG_LEVEL, METRICS_NAMESPACE, POWERTOOLS_SERVICE_PREFIX
from infra.constructs.keys import Keys
from infra.nag import acknowledge
from spothive import topology
from spothive.topology import ASYNC_MAX_EVENT_AGE_S, ASYNC_RETRIES, FunctionSpec, Layer

BASIC_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@dataclass(frozen=True)
class FunctionShared:
    """What functions are built from: code, the layer versions of each ``Layer``, the Redis users' network."""

    code: lambda_.Code
    layers: Mapping[Layer, Sequence[lambda_.ILayerVersion]] = field(default_factory=dict)
    vpc: ec2.IVpc | None = None
    redis_security_group: ec2.ISecurityGroup | None = None
    keys: Keys | None = None


def synchronous_reason(spec: FunctionSpec) -> str:
    """Why a function that is not ``async_invoked`` has no dead-letter queue (who waits for its answer)."""
    if spec.routes:
        return (f"{spec.name} is invoked synchronously by API Gateway: a failure is the caller's HTTP error "
                "response, and a DLQ only ever receives asynchronous invocations.")
    machines = [m.name for m in topology.STATE_MACHINES if spec.name in m.tasks.values()]
    if machines:
        return (f"{spec.name} is a Step Functions task of {', '.join(machines)} (synchronous invoke): the state "
                "machine's Retry and Catch handle failures and the failed-execution alarm reports them.")
    return (f"{spec.name} is invoked synchronously (RequestResponse): the caller receives the error and "
            "decides; a DLQ only ever receives asynchronous invocations.")


def dead_letter_queue(scope: Construct, construct_id: str, spec: FunctionSpec, key: Keys) -> sqs.Queue:
    """The function's own failure queue: events that exhausted their retries, kept 14 days for redrive."""
    queue = sqs.Queue(
        scope,
        f"{construct_id}DeadLetters",
        retention_period=Duration.days(14),
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key.dead_letters,
        data_key_reuse=Duration.hours(24),
        enforce_ssl=True,
    )
    acknowledge(queue, "AwsSolutions-SQS3", reason=f"This queue is itself the dead-letter queue of {spec.name}.")
    return queue


def build_function(
    scope: Construct,
    spec: FunctionSpec,
    shared: FunctionShared,
    *,
    snap_start: bool = False,
    **kwargs: object,
) -> lambda_.Function:
    """A Python 3.12 arm64 function with Powertools settings, its own log group and X-Ray tracing.

    Only ``needs_redis`` functions are placed in the VPC; memory, timeout and layers come from ``spec``.
    """
    construct_id = "".join(part.capitalize() for part in spec.name.split("-"))
    if shared.keys is None:
        raise ValueError(f"{spec.name}: functions are built with the stack's keys")
    keys = shared.keys
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.DESTROY,
        encryption_key=keys.logs,
    )
    posture: dict[str, object] = {}
    if spec.async_invoked:
        posture = {
            "dead_letter_queue": dead_letter_queue(scope, construct_id, spec, keys),
            "retry_attempts": ASYNC_RETRIES,
            "max_event_age": Duration.seconds(ASYNC_MAX_EVENT_AGE_S),
        }
    environment = {
        "POWERTOOLS_SERVICE_NAME": f"{POWERTOOLS_SERVICE_PREFIX}-{spec.name}",
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "LOG_LEVEL": LOG_LEVEL,
    }
    missing = [layer for layer in spec.layers if layer not in shared.layers]
    if missing:
        raise ValueError(f"{spec.name} needs layers {missing} that were not built")
    network: dict[str, object] = {}
    if spec.needs_redis:
        if shared.vpc is None or shared.redis_security_group is None:
            raise ValueError(f"{spec.name} needs Redis but no VPC was given")
        network = {
            "vpc": shared.vpc,
            "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            "security_groups": [shared.redis_security_group],
        }
    fn = lambda_.Function(
        scope,
        construct_id,
        description=f"SpotHive {spec.name}: {spec.description}",
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.ARM_64,
        handler=spec.handler,
        code=shared.code,
        layers=[version for layer in spec.layers for version in shared.layers[layer]],
        memory_size=spec.memory_mb,
        timeout=Duration.seconds(spec.timeout_s),
        environment=environment,
        tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
        reserved_concurrent_executions=spec.reserved_concurrency,
        environment_encryption=keys.environment,
        **posture,  # type: ignore[arg-type]
        **network,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    # Lambda decrypts the variables with the execution role at start-up
    fn.add_to_role_policy(iam.PolicyStatement(actions=["kms:Decrypt"], resources=[keys.environment.key_arn]))
    if spec.async_invoked:
        fn.add_to_role_policy(iam.PolicyStatement(  # to write its failed events to the encrypted queue
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[keys.dead_letters.key_arn]))
    else:
        skip(fn, "CKV_AWS_116", reason=synchronous_reason(spec))
    if not spec.needs_redis:
        skip(fn, "CKV_AWS_117", reason=(
            f"{spec.name} reaches only AWS APIs (no Redis): a VPC would send those calls through the NAT "
            "gateway without narrowing what IAM already scopes, and add cold-start ENI setup."))
    acknowledge(fn, "AwsSolutions-IAM4", BASIC_ROLE,
                reason="AWS managed basic execution policy: writes to the function's own log group only.")
    if spec.needs_redis:
        acknowledge(fn, "AwsSolutions-IAM4", VPC_ROLE,
                    reason="AWS managed VPC access policy: ENI management Lambda needs to reach ElastiCache.")
    acknowledge(fn, "AwsSolutions-IAM5", "Resource::*",
                reason="; ".join(wildcard_reasons(spec)) + ".")
    acknowledge(fn, "AwsSolutions-L1",
                reason="Python 3.12 is pinned: the layers are built for it and SnapStart is validated on it.")
    return fn
