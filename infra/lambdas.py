"""One Lambda function from a topology ``FunctionSpec``: its layers and sizing from the manifest, and the
settings every SpotHive function shares (its ``SPOTHIVE_*`` variables are set by the hub stack)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.access import wildcard_reasons
from infra.constants import LOG_LEVEL, METRICS_NAMESPACE, POWERTOOLS_SERVICE_PREFIX
from infra.nag import acknowledge
from spothive.topology import FunctionSpec, Layer

BASIC_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
VPC_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


@dataclass(frozen=True)
class FunctionShared:
    """What functions are built from: code, the layer versions of each ``Layer``, the Redis users' network."""

    code: lambda_.Code
    layers: Mapping[Layer, Sequence[lambda_.ILayerVersion]] = field(default_factory=dict)
    vpc: ec2.IVpc | None = None
    redis_security_group: ec2.ISecurityGroup | None = None


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
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.DESTROY,
    )
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
        **network,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
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
