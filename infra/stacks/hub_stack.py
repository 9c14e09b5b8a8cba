"""The SpotHive hub: API, auth, data, cache, functions, model, workflows, schedules, monitoring."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.access import Resources, grant_all
from infra.constants import (
    API_VALIDATOR_TIMEOUT_S,
    CTX_SCAN_REGIONS,
    CUSTOMER_ROLE_NAME,
    DEFAULT_SCAN_REGIONS,
    PRICE_SOURCE,
)
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.cache import Cache
from infra.constructs.compute import Compute
from infra.constructs.console import Console
from infra.constructs.data import Data
from infra.constructs.email import ReportEmail
from infra.constructs.keys import Keys
from infra.constructs.model import Model
from infra.constructs.monitoring import Monitoring
from infra.constructs.schedules import Schedules
from infra.constructs.signing import Signing
from infra.constructs.spot_event_forwarding import SpotEventForwarding
from infra.constructs.storage import Storage
from infra.constructs.streams import Streams
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
        keys = Keys(self, "Keys")
        data = Data(self, "Data", table_prefix=table_prefix, key=keys.data)
        auth = Auth(self, "Auth")
        signing = Signing(self, "Signing")
        cache = Cache(self, "Cache", availability_zones=availability_zones, logs_key=keys.logs)
        model = Model(self, "Model")
        compute = Compute(
            self,
            "Compute",
            extra_layers=model.layers,
            vpc=cache.vpc,
            redis_security_group=cache.client_security_group,
            keys=keys,
        )
        streams = Streams(self, "Streams", shared=compute.shared, logs_key=keys.logs)
        functions: dict[str, lambda_.Function] = {
            **compute.functions, **model.build_functions(compute.shared), **streams.functions}
        streams.subscribe_logs(functions)
        self.streams = streams
        self.report_email = ReportEmail(self, "ReportEmail")
        workflows = Workflows(self, "Workflows", functions=functions, logs_key=keys.logs)
        self.api = Api(
            self, "Api", user_pool=auth.user_pool, handlers=compute.aliases, allowed_origins=allowed_origins,
            logs_key=keys.logs,
        )
        #: Function name → its dead-letter queue (every ``async_invoked`` function has one).
        self.dead_letters = Compute.dead_letters(functions)
        schedules = Schedules(self, "Schedules", functions=functions, dead_letters=self.dead_letters)
        Monitoring(
            self,
            "Monitoring",
            functions=functions,
            state_machines=workflows.state_machines,
            dead_letters=self.dead_letters,
            rest_api=self.api.rest_api,
            alarm_email=alarm_email,
        )
        self.functions = functions
        self.data, self.auth, self.cache, self.model, self.compute = data, auth, cache, model, compute
        self.keys = keys
        self.workflows, self.schedules = workflows, schedules
        self.signing = signing
        storage = Storage(self, "Storage", access_logs=model.access_logs)
        self.storage = storage
        #: The value of every SPOTHIVE_* setting a manifest may declare.
        values = {
            "SPOTHIVE_REGION": Aws.REGION,
            "SPOTHIVE_TABLE_PREFIX": table_prefix,
            "SPOTHIVE_REDIS_URL": cache.redis_url,
            "SPOTHIVE_COGNITO_USER_POOL_ID": auth.user_pool.user_pool_id,
            "SPOTHIVE_COGNITO_CLIENT_ID": auth.client.user_pool_client_id,
            "SPOTHIVE_IMPERSONATION_KEY_ID": signing.impersonation_key.key_arn,
            "SPOTHIVE_HEALTH_FUNCTION_NAMES": self.to_json_string(
                {s.function: functions[s.function].function_name for s in topology.SCHEDULES}),
            "SPOTHIVE_HEALTH_STATE_MACHINE_ARNS": self.to_json_string(
                {name: machine.state_machine_arn for name, machine in workflows.state_machines.items()}),
            "SPOTHIVE_HEALTH_DEAD_LETTER_URLS": self.to_json_string(
                {name: queue.queue_url for name, queue in sorted(self.dead_letters.items())}),
            "SPOTHIVE_HUB_ACCOUNT_ID": Aws.ACCOUNT_ID,
            "SPOTHIVE_CUSTOMER_TEMPLATE_URL": customer_template_url,
            "SPOTHIVE_CUSTOMER_ROLE_NAME": CUSTOMER_ROLE_NAME,
            "SPOTHIVE_SCAN_REGIONS": self.node.try_get_context(CTX_SCAN_REGIONS) or DEFAULT_SCAN_REGIONS,
            "SPOTHIVE_DATA_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_EXPORTS_BUCKET": storage.bucket.bucket_name,
            "SPOTHIVE_MODEL_BUCKET": model.artifacts.bucket_name,
            "SPOTHIVE_API_BASE_URL": self.api.base_url,
            "SPOTHIVE_DISCOVERY_FUNCTION_NAME": functions["worker-discovery"].function_name,
            "SPOTHIVE_OPTIMIZE_FUNCTION_NAME": functions["worker-optimize"].function_name,
            "SPOTHIVE_MODEL_FUNCTION_NAME": functions["model-endpoint"].function_name,
            "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": workflows.state_machines["optimization"].state_machine_arn,
            "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN": workflows.state_machines["live-switch"].state_machine_arn,
            "SPOTHIVE_PRICE_SOURCE": PRICE_SOURCE,
            "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS": str(API_VALIDATOR_TIMEOUT_S),
            "SPOTHIVE_WEBSOCKET_ENDPOINT": streams.endpoint,
            "SPOTHIVE_REPORT_SENDER": self.report_email.sender,
            # the console's public address is the first allowed origin (the CDN name is made later)
            "SPOTHIVE_CONSOLE_URL": allowed_origins[0],
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
            impersonation_key_arn=signing.impersonation_key.key_arn,
            dead_letter_arns=tuple(q.queue_arn for _, q in sorted(self.dead_letters.items())),
            table_key=keys.data,
            websocket_api_arn=streams.manage_connections_arn,
            email_identity_arns=self.report_email.identity_arns,
        ))
        SpotEventForwarding(self, "SpotEventForwarding")
        self.console = Console(self, "Console", rest_api=self.api.rest_api, auth=auth,
                               access_logs=model.access_logs)
        CfnOutput(self, "UserPoolId", value=auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=auth.client.user_pool_client_id)
        CfnOutput(self, "ModelBucket", value=model.artifacts.bucket_name)
        CfnOutput(self, "DataBucket", value=storage.bucket.bucket_name)
        CfnOutput(self, "ApiBaseUrl", value=self.api.base_url)
        for name, queue in sorted(self.dead_letters.items()):
            CfnOutput(self, "".join(p.capitalize() for p in name.split("-")) + "DeadLetterQueue",
                      value=queue.queue_url, description=f"Redrive queue of {name} (docs/deploy.md)")
        CfnOutput(self, "StreamsUrl", value=streams.url)
