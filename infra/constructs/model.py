"""The interruption-risk model endpoint: its ML layer and the S3 bucket of model artifacts."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import AssetHashType, Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import staging
from infra.buckets import secure_bucket
from infra.checkov import skip
from infra.lambdas import FunctionShared, build_function
from infra.nag import acknowledge
from spothive import topology
from spothive.topology import Layer


def _deps_code(root: Path) -> lambda_.Code:
    """A dependency layer fingerprinted by its file listing (see ``staging.listing_hash``)."""
    return lambda_.Code.from_asset(
        str(root), asset_hash_type=AssetHashType.CUSTOM, asset_hash=staging.listing_hash(root)
    )


#: Where the Advisor worker leaves each ingest's transition for the model endpoint to fit on.
TRANSITION_PREFIX = "calibration/transitions/"
#: A transition is read by the recalibration its ingest asked for (and that request's retries) and by no
#: one after: the fitted figures live on in the records and the model card, so a month is ample.
TRANSITION_RETENTION_DAYS = 30


class Model(Construct):
    """The ML layers (lightgbm/numpy with libgomp, ``spothive_models``), the artifact bucket and the ML workers.

    Artifacts are LightGBM native text/JSON, never pickle. The function sits behind the same
    RiskModel port a SageMaker endpoint could satisfy.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = secure_bucket(
            self, "AccessLogs", object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
        )
        acknowledge(self.access_logs, "AwsSolutions-S1",
                    reason="This bucket receives the server access logs of the artifact and data buckets.")
        skip(self.access_logs, "CKV_AWS_18", reason=(
            "This is the access-log bucket of the other buckets; logging it into itself would recurse."))
        self.artifacts = secure_bucket(
            self, "Artifacts", server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="artifacts/",
            lifecycle_rules=[s3.LifecycleRule(
                id="expire-advisor-transitions", prefix=TRANSITION_PREFIX,
                expiration=Duration.days(TRANSITION_RETENTION_DAYS),
            )],
        )
        self.ml_layer = lambda_.LayerVersion(
            self,
            "MlLayer",
            code=_deps_code(staging.deps_ml_dir()),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="lightgbm, numpy, scipy and libgomp (layers/deps/ml.txt)",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.models_layer = lambda_.LayerVersion(
            self,
            "ModelsLayer",
            code=lambda_.Code.from_asset(str(staging.models_layer_dir())),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="SpotHive model contract and features (import spothive_models)",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.functions: dict[str, lambda_.Function] = {}

    @property
    def layers(self) -> dict[Layer, tuple[lambda_.ILayerVersion, ...]]:
        """The layer versions of the ``ml`` and ``models`` layers."""
        return {Layer.ML: (self.ml_layer,), Layer.MODELS: (self.models_layer,)}

    def build_functions(self, shared: FunctionShared) -> dict[str, lambda_.Function]:
        """The ML workers (the model endpoint), built here beside their artifacts."""
        for spec in topology.WORKER_FUNCTIONS:
            if spec.ml:
                self.functions[spec.name] = build_function(self, spec, shared)
        return self.functions
