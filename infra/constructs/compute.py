"""The topology's functions but the model endpoint, the core layers and the workers' failure queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Annotations, AssetHashType, Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import staging
from infra.constants import API_ALIAS, FUNCTIONS_DIR
from infra.lambdas import FunctionShared, build_function
from infra.nag import acknowledge
from spothive import topology
from spothive.topology import Layer


def _deps_code(root: Path) -> lambda_.Code:
    """A dependency layer fingerprinted by its file listing (see ``staging.listing_hash``)."""
    return lambda_.Code.from_asset(
        str(root), asset_hash_type=AssetHashType.CUSTOM, asset_hash=staging.listing_hash(root)
    )


class Compute(Construct):
    """API functions (SnapStart, published behind the ``live`` alias), workers and workflow steps.

    Workers run asynchronously (EventBridge): two retries, then the event lands in ``failures``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        extra_layers: Mapping[Layer, Sequence[lambda_.ILayerVersion]],
        vpc: ec2.IVpc,
        redis_security_group: ec2.ISecurityGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        self.core_layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            code=lambda_.Code.from_asset(str(staging.core_layer_dir())),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="SpotHive core package (import spothive)",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.deps_layer = lambda_.LayerVersion(
            self,
            "DepsCoreLayer",
            code=_deps_code(staging.deps_core_dir()),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="SpotHive third-party dependencies (layers/deps/core.txt)",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.shared = FunctionShared(
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=["__pycache__", "*.pyc"]),
            layers={Layer.CORE: (self.core_layer, self.deps_layer), **extra_layers},
            vpc=vpc,
            redis_security_group=redis_security_group,
        )
        self.failures = sqs.Queue(
            self,
            "WorkerFailures",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(self.failures, "AwsSolutions-SQS3",
                    reason="This queue is itself the failure destination of the workers and rules.")

        self.functions: dict[str, lambda_.Function] = {}
        self.aliases: dict[str, lambda_.Alias] = {}
        for spec in topology.API_FUNCTIONS:
            fn = build_function(self, spec, self.shared, snap_start=True)
            self.functions[spec.name] = fn
            self.aliases[spec.name] = lambda_.Alias(
                self, f"{fn.node.id}Live", alias_name=API_ALIAS, version=fn.current_version
            )
            Annotations.of(fn).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "current_version publishes a version on every change and the live alias points at it.",
            )
        for spec in topology.WORKER_FUNCTIONS:
            if spec.ml:  # the model endpoint sits with its artifacts (``Model``)
                continue
            self.functions[spec.name] = build_function(
                self, spec, self.shared,
                retry_attempts=2,
                on_failure=destinations.SqsDestination(self.failures),
            )
        for spec in topology.WORKFLOW_FUNCTIONS:
            self.functions[spec.name] = build_function(self, spec, self.shared)
