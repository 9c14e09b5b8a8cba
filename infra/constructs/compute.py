"""The topology's functions but the model endpoint, and the core layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Annotations, AssetHashType, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import staging
from infra.constants import API_ALIAS, FUNCTIONS_DIR
from infra.constructs.keys import Keys
from infra.lambdas import FunctionShared, build_function
from spothive import topology
from spothive.topology import Layer


def _deps_code(root: Path) -> lambda_.Code:
    """A dependency layer fingerprinted by its file listing (see ``staging.listing_hash``)."""
    return lambda_.Code.from_asset(
        str(root), asset_hash_type=AssetHashType.CUSTOM, asset_hash=staging.listing_hash(root)
    )


class Compute(Construct):
    """API functions (SnapStart, published behind the ``live`` alias), workers and workflow steps.

    ``async_invoked`` workers (EventBridge, ``InvocationType=Event``) retry, then dead-letter into a queue of
    their own (``dead_letters``, built with the function by ``build_function``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        extra_layers: Mapping[Layer, Sequence[lambda_.ILayerVersion]],
        vpc: ec2.IVpc,
        redis_security_group: ec2.ISecurityGroup,
        keys: Keys,
    ) -> None:
        super().__init__(scope, construct_id)
        total = sum(spec.reserved_concurrency for spec in topology.ALL_FUNCTIONS)
        if total > topology.CONCURRENCY_BUDGET:
            raise ValueError(f"reserved concurrency {total} exceeds the budget of {topology.CONCURRENCY_BUDGET}")
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
            keys=keys,
        )

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
            self.functions[spec.name] = build_function(self, spec, self.shared)
        for spec in topology.WORKFLOW_FUNCTIONS:
            self.functions[spec.name] = build_function(self, spec, self.shared)

    @staticmethod
    def dead_letters(functions: dict[str, lambda_.Function]) -> dict[str, sqs.IQueue]:
        """Function name → its dead-letter queue, for every function that has one."""
        return {name: fn.dead_letter_queue for name, fn in functions.items() if fn.dead_letter_queue is not None}
