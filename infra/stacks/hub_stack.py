"""The SpotHive hub: API, auth, data, cache, functions, model, workflows, schedules, monitoring."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import Resources, grant_all
from infra.constants import (
    API_VALIDATOR_TIMEOUT_S,
    CUSTOMER_ROLE_NAME,
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
from spothive import topology
from spothive.topology import Bucket


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
        model = Model(self, "Model")
        compute = Compute(
            self,
            "Compute",
            extra_layers=model.layers,
            vpc=cache.vpc,
            redis_security_group=cache.client_security_group,
        )
        functions: dict[str, lambda_.Function] = {**compute.functions, **model.build_functions(compute.shared)}
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
        self.data, self.auth, self.cache, self.model, self.compute = data, auth, cache, model, compute
        self.workflows, self.schedules = workflows, schedules
        storage = Storage(self, "Storage", access_logs=model.access_logs)
        self.storage = storage
        #: The value of every SPOTHIVE_* setting a manifest may declare.
        values = {
            "SPOTHIVE_REGION": Aws.REGION,
            "SPOTHIVE_TABLE_PREFIX": table_prefix,
            "SPOTHIVE_REDIS_URL": cache.redis_url,
            "SPOTHIVE_COGNITO_USER_POOL_ID": auth.user_pool.user_pool_id,
            "SPOTHIVE_COGNITO_CLIENT_ID": auth.client.user_pool_client_id,
            "SPOTHIVE_HUB_ACCOUNT_ID": Aws.ACCOUNT_ID,
            "SPOTHIVE_CUSTOMER_TEMPLATE_URL": customer_template_url,
            "SPOTHIVE_CUSTOMER_ROLE_NAME": CUSTOMER_ROLE_NAME,
            "SPOTHIVE_DATA_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_EXPORTS_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_MODEL_BUCKET": model.artifacts.bucket_name,
            "SPOTHIVE_API_BASE_URL": self.api.base_url,
            "SPOTHIVE_DISCOVERY_FUNCTION_NAME": functions["worker-discovery"].function_name,
            "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": workflows.state_machines["optimization"].state_machine_arn,
            "SPOTHIVE_PRICE_SOURCE": PRICE_SOURCE,
            "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS": str(API_VALIDATOR_TIMEOUT_S),
            # how long a wave waits for Ready replacements and for drains (the agent reports both)
            "SPOTHIVE_EXECUTION_READY_TIMEOUT_SECONDS": "900",
            "SPOTHIVE_EXECUTION_DRAIN_TIMEOUT_SECONDS": "900",
        }
        for spec in topology.ALL_FUNCTIONS:
            unknown = [v for v in spec.environment() if v not in values]
            if unknown:
                raise ValueError(f"{spec.name} declares settings the hub has no value for: {unknown}")
            for variable in spec.environment():
                functions[spec.name].add_environment(variable, values[variable])
        grant_all(functions, topology.ALL_FUNCTIONS, Resources(
            tables=data.tables,
            buckets={Bucket.DATA: storage.bucket, Bucket.MODEL: model.artifacts},
            user_pool_arn=auth.user_pool.user_pool_arn,
            state_machines=workflows.state_machines,
            functions=functions,
        ))
        SpotEventForwarding(self, "SpotEventForwarding")
        self.console = Console(self, "Console", api_url=self.api.base_url, auth=auth, access_logs=model.access_logs)
        CfnOutput(self, "UserPoolId", value=auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=auth.client.user_pool_client_id)
        CfnOutput(self, "ModelBucket", value=model.artifacts.bucket_name)
        CfnOutput(self, "DataBucket", value=storage.bucket.bucket_name)
        CfnOutput(self, "ApiBaseUrl", value=self.api.base_url)
