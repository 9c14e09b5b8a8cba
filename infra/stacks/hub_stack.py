"""The SpotHive hub: API, auth, data, cache, functions, model, workflows, schedules, monitoring."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import ASSUMES_CUSTOMER_ROLE, TABLE_ACCESS, grant_tables
from infra.constants import CUSTOMER_ROLE_ARN_PATTERN, CUSTOMER_ROLE_NAME
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.cache import Cache
from infra.constructs.compute import Compute
from infra.constructs.data import Data
from infra.constructs.model import Model
from infra.constructs.monitoring import Monitoring
from infra.constructs.schedules import Schedules
from infra.constructs.workflows import Workflows
from infra.nag import acknowledge, arn_finding

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
        self._grant(functions, data, auth, model, workflows)
        CfnOutput(self, "UserPoolId", value=auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=auth.client.user_pool_client_id)
        CfnOutput(self, "ModelBucket", value=model.artifacts.bucket_name)

    def _grant(self, functions: dict[str, lambda_.Function], data: Data, auth: Auth, model: Model,
               workflows: Workflows) -> None:
        """Least privilege: each function gets only what its use cases touch."""
        for name, fn in functions.items():
            if name in TABLE_ACCESS:
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
        functions["api-clusters"].add_environment(
            "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN", optimization.state_machine_arn)
        live_switch.grant_start_execution(functions["api-admin"])
        functions["api-admin"].add_environment(
            "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN", live_switch.state_machine_arn)
        discovery = functions["worker-discovery"]
        discovery.grant_invoke(functions["api-connect"])
        functions["api-connect"].add_environment("SPOTHIVE_DISCOVERY_FUNCTION_NAME", discovery.function_name)
        for caller in ("opt-risk", "api-admin"):
            for endpoint in model.functions.values():
                endpoint.grant_invoke(functions[caller])
                acknowledge(functions[caller], "AwsSolutions-IAM5", arn_finding(endpoint, ":*"),
                            reason="Invoking any published version of the model endpoint.")
        acknowledge(functions["api-connect"], "AwsSolutions-IAM5", arn_finding(discovery, ":*"),
                    reason="Invoking any published version of the discovery worker.")

        artifacts = model.artifacts
        functions["api-admin"].add_to_role_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject"], resources=[artifacts.arn_for_objects("models/*")]))
        for fn in (functions["api-admin"], *model.functions.values()):
            acknowledge(fn, "AwsSolutions-IAM5", arn_finding(artifacts, "/models/*"),
                        reason="Model artifacts live under models/ in their bucket; object keys are "
                        "not known in advance.")
