"""The SpotHive hub: API, auth, data, cache, functions, model, workflows, schedules, monitoring."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import ASSUMES_CUSTOMER_ROLE, grant_tables
from infra.constants import (
    API_VALIDATOR_TIMEOUT_S,
    CUSTOMER_ROLE_ARN_PATTERN,
    CUSTOMER_ROLE_NAME,
    ML_LAYER_EXTRA,
    PRICE_SOURCE,
)
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.cache import Cache
from infra.constructs.compute import Compute
from infra.constructs.console import Console
from infra.constructs.data import Data
from infra.constructs.model import Model
from infra.constructs.monitoring import Monitoring
from infra.constructs.schedules import Schedules
from infra.constructs.spot_event_forwarding import SpotEventForwarding
from infra.constructs.storage import Storage
from infra.constructs.workflows import Workflows
from infra.nag import acknowledge, arn_finding
from infra.wiring import (
    EXPORT_USERS,
    FUNCTION_ENV,
    MODEL_READERS,
    MODEL_WRITERS,
    SNAPSHOT_READERS,
    SNAPSHOT_USERS,
)

COGNITO_ACTIONS = {
    "api-auth": ("cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
                 "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminGetUser",
                 "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut"),
    "api-admin": ("cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes",
                  "cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser",
                  "cognito-idp:AdminUserGlobalSignOut"),
}


class HubStack(Stack):
    """Everything SpotHive runs in its own account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table_prefix: str,
        availability_zones: Sequence[str],
        allowed_origins: Sequence[str],
        customer_template_url: str,
        alarm_email: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        data = Data(self, "Data", table_prefix=table_prefix)
        auth = Auth(self, "Auth")
        cache = Cache(self, "Cache", availability_zones=availability_zones)
        compute = Compute(
            self,
            "Compute",
            environment={
                "SPOTHIVE_REGION": Aws.REGION,
                "SPOTHIVE_TABLE_PREFIX": table_prefix,
                "SPOTHIVE_COGNITO_USER_POOL_ID": auth.user_pool.user_pool_id,
                "SPOTHIVE_COGNITO_CLIENT_ID": auth.client.user_pool_client_id,
                "SPOTHIVE_HUB_ACCOUNT_ID": Aws.ACCOUNT_ID,
                "SPOTHIVE_CUSTOMER_TEMPLATE_URL": customer_template_url,
                "SPOTHIVE_CUSTOMER_ROLE_NAME": CUSTOMER_ROLE_NAME,
            },
            redis_environment={"SPOTHIVE_REDIS_URL": cache.redis_url},
            vpc=cache.vpc,
            redis_security_group=cache.client_security_group,
        )
        model = Model(self, "Model", shared=compute.shared)
        functions: dict[str, lambda_.Function] = {**compute.functions, **model.functions}
        workflows = Workflows(self, "Workflows", functions=functions)
        self.api = Api(
            self, "Api", user_pool=auth.user_pool, handlers=compute.aliases, allowed_origins=allowed_origins
        )
        schedules = Schedules(self, "Schedules", functions=functions, dead_letters=compute.failures)
        Monitoring(
            self,
            "Monitoring",
            functions=functions,
            state_machines=workflows.state_machines,
            failure_queue=compute.failures,
            rest_api=self.api.rest_api,
            alarm_email=alarm_email,
        )
        self.functions = functions
        self.data, self.auth, self.cache, self.model = data, auth, cache, model
        self.workflows, self.schedules = workflows, schedules
        storage = Storage(self, "Storage", access_logs=model.access_logs)
        self.storage = storage
        for layer_user in ML_LAYER_EXTRA:
            functions[layer_user].add_layers(model.ml_layer, model.models_layer)
        values = {
            "SPOTHIVE_DATA_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_EXPORTS_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_MODEL_BUCKET": model.artifacts.bucket_name,
            "SPOTHIVE_API_BASE_URL": self.api.base_url,
            "SPOTHIVE_DISCOVERY_FUNCTION_NAME": functions["worker-discovery"].function_name,
            "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": workflows.state_machines["optimization"].state_machine_arn,
            "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN": workflows.state_machines["live-switch"].state_machine_arn,
            "SPOTHIVE_PRICE_SOURCE": PRICE_SOURCE,
            "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS": str(API_VALIDATOR_TIMEOUT_S),
        }
        for variable, names in FUNCTION_ENV.items():
            for name in names:
                functions[name].add_environment(variable, values[variable])
        self._grant(functions, data, auth, model, workflows)
        self._grant_buckets(functions, storage, model)
        SpotEventForwarding(self, "SpotEventForwarding")
        self.console = Console(self, "Console", api_url=self.api.base_url, auth=auth, access_logs=model.access_logs)
        CfnOutput(self, "UserPoolId", value=auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=auth.client.user_pool_client_id)
        CfnOutput(self, "ModelBucket", value=model.artifacts.bucket_name)
        CfnOutput(self, "DataBucket", value=storage.bucket.bucket_name)
        CfnOutput(self, "ApiBaseUrl", value=self.api.base_url)

    def _grant(self, functions: dict[str, lambda_.Function], data: Data, auth: Auth, model: Model,
               workflows: Workflows) -> None:
        """Least privilege: each function gets only what its use cases touch."""
        for name, fn in functions.items():
            grant_tables(fn, name, data.tables)
            if name in ASSUMES_CUSTOMER_ROLE:
                fn.add_to_role_policy(iam.PolicyStatement(
                    actions=["sts:AssumeRole"], resources=[CUSTOMER_ROLE_ARN_PATTERN]))
                acknowledge(fn, "AwsSolutions-IAM5", f"Resource::{CUSTOMER_ROLE_ARN_PATTERN}",
                            reason="Customer accounts are unknown at deploy time; only roles named "
                            "SpotHiveAccess* (which demand the tenant's External ID) can be assumed.")
            if name in COGNITO_ACTIONS:
                fn.add_to_role_policy(iam.PolicyStatement(
                    actions=list(COGNITO_ACTIONS[name]), resources=[auth.user_pool.user_pool_arn]))
        functions["worker-prices"].add_to_role_policy(iam.PolicyStatement(
            actions=["pricing:GetProducts", "ec2:DescribeSpotPriceHistory"], resources=["*"]))

        optimization = workflows.state_machines["optimization"]
        live_switch = workflows.state_machines["live-switch"]
        optimization.grant_start_execution(functions["api-clusters"])
        live_switch.grant_start_execution(functions["api-admin"])
        discovery = functions["worker-discovery"]
        discovery.grant_invoke(functions["api-connect"])
        acknowledge(functions["api-connect"], "AwsSolutions-IAM5", arn_finding(discovery, ":*"),
                    reason="Invoking any published version of the discovery worker.")

    def _grant_buckets(self, functions: dict[str, lambda_.Function], storage: Storage, model: Model) -> None:
        """Object access by prefix: snapshots and exports in the data bucket, artifacts in the model bucket."""
        artifacts = model.artifacts
        grants = (
            (SNAPSHOT_USERS, ["s3:GetObject", "s3:PutObject"], storage.snapshot_objects(),
             arn_finding(storage.bucket, "/snapshots/*"), "Cluster snapshots live under snapshots/<org>/"),
            (SNAPSHOT_READERS, ["s3:GetObject"], storage.snapshot_objects(),
             arn_finding(storage.bucket, "/snapshots/*"), "Cluster snapshots live under snapshots/<org>/"),
            (EXPORT_USERS, ["s3:GetObject", "s3:PutObject"], storage.export_objects(),
             arn_finding(storage.bucket, "/audit-exports/*"),
             "Audit exports live under audit-exports/<org>/ (GetObject signs the download link)"),
            (MODEL_WRITERS, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
             artifacts.arn_for_objects("models/*"), arn_finding(artifacts, "/models/*"),
             "Model artifacts live under models/<model-id>/"),
            (MODEL_READERS, ["s3:GetObject"], artifacts.arn_for_objects("models/*"),
             arn_finding(artifacts, "/models/*"), "Model artifacts live under models/<model-id>/"),
        )
        for names, s3_actions, resource, finding, where in grants:
            for name in names:
                functions[name].add_to_role_policy(iam.PolicyStatement(actions=s3_actions, resources=[resource]))
                acknowledge(functions[name], "AwsSolutions-IAM5", finding,
                            reason=f"{where}; object keys are not known in advance.")
