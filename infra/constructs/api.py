"""The REST API: one Lambda per route group, Cognito on every route but the topology's public ones.

Public: ``POST /api/auth/signup`` and ``POST /api/auth/token`` (how a caller gets a token), and
``POST /api/agent/heartbeat`` and ``PUT /api/agent/snapshot`` (agents send their per-cluster token,
which api-clusters verifies).

Throttling (API Gateway token buckets, aggregate per stage; per-client limits are enforced by the
auth function with Redis counters):

* ``POST /api/auth/signup``  5/hour  → rate 0.0014 req/s, burst 1
* ``POST /api/auth/token``   10/min  → rate 0.1667 req/s, burst 10
* every other method         100/min → rate 1.6667 req/s, burst 100 (stage default)

The usage plan repeats the same limits for API-key clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Fn
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.checkov import skip
from infra.constants import API_STAGE, DEFAULT_LIMIT, PUBLIC_ROUTE_LIMITS
from infra.nag import acknowledge
from spothive import topology

#: Routes under this prefix that the topology makes public authenticate with per-cluster agent tokens.
AGENT_PREFIX = "/api/agent/"
APIGW_LOGS_POLICY = (
    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
)


class Api(Construct):
    """``/api/<prefix>`` and ``/api/<prefix>/{proxy+}`` (ANY) for every route prefix of every API function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        handlers: Mapping[str, lambda_.IFunction],
        allowed_origins: Sequence[str],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=logs_key)
        method_options = {
            f"{path}/{method}": apigw.MethodDeploymentOptions(
                throttling_rate_limit=limit.rate, throttling_burst_limit=limit.burst
            )
            for (method, path), limit in PUBLIC_ROUTE_LIMITS.items()
        }
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name="spothive-api",
            description="SpotHive REST API",
            cloud_watch_role=True,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                stage_name=API_STAGE,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                throttling_rate_limit=DEFAULT_LIMIT.rate,
                throttling_burst_limit=DEFAULT_LIMIT.burst,
                method_options=method_options,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True,
                ),
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(allowed_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=["Authorization", "Content-Type", "X-Request-Id", "X-SpotHive-Impersonation"],
                allow_credentials=True,
            ),
        )
        #: The stage URL built from the API id, so functions can carry it without depending on the stage.
        self.base_url = Fn.join("", [
            "https://", self.rest_api.rest_api_id, ".execute-api.", Aws.REGION, ".", Aws.URL_SUFFIX, "/", API_STAGE,
        ])
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool], authorizer_name="spothive-cognito"
        )
        secured = {"authorizer": self.authorizer, "authorization_type": apigw.AuthorizationType.COGNITO}
        api_root = self.rest_api.root.add_resource("api")
        self.public_methods: dict[tuple[str, str], apigw.Method] = {}
        for spec in topology.API_FUNCTIONS:
            integration = apigw.LambdaIntegration(
                handlers[spec.name], proxy=True, scope_permission_to_method=False
            )
            for prefix in spec.routes:
                resource = self._resource(api_root, prefix)
                resource.add_method("ANY", integration, **secured)
                resource.add_resource("{proxy+}").add_method("ANY", integration, **secured)
            for method, path in spec.public_routes:
                public = self._resource(api_root, path).add_method(
                    method, integration, authorization_type=apigw.AuthorizationType.NONE
                )
                self.public_methods[(method, path)] = public
                agent = path.startswith(AGENT_PREFIX)
                acknowledge(public, "AwsSolutions-APIG4", reason=(
                    f"{method} {path}: in-cluster agents send their per-cluster token, which the function "
                    "verifies (hash lookup); they hold no Cognito identity." if agent else
                    f"{method} {path} is public by design (sign-up / sign-in); throttled."))
                skip(public, "CKV_AWS_59", reason=(
                    f"{method} {path}: the agent's per-cluster bearer token is verified by api-clusters (hash "
                    "lookup, 401 otherwise); agents hold no Cognito identity." if agent else
                    f"{method} {path} is how a caller signs up or obtains a Cognito token, so it cannot demand "
                    "one; stage throttling limits it."))
                acknowledge(public, "AwsSolutions-COG4", reason=(
                    f"{method} {path} authenticates the agent's own bearer token in the function." if agent else
                    f"{method} {path} is how a caller obtains a Cognito token."))
        self._usage_plan()
        self._acknowledge()

    @staticmethod
    def _resource(api_root: apigw.IResource, path: str) -> apigw.IResource:
        """The resource for ``/api/a/b``, creating missing parts under ``api_root``."""
        parts = path.strip("/").split("/")
        if parts[0] != "api":
            raise ValueError(f"route {path} is not under /api")
        resource = api_root
        for part in parts[1:]:
            resource = resource.get_resource(part) or resource.add_resource(part)
        return resource

    def _usage_plan(self) -> None:
        self.usage_plan = self.rest_api.add_usage_plan(
            "UsagePlan",
            name="spothive-default",
            description="SpotHive rate limits for API-key clients (same mapping as the stage)",
            throttle=apigw.ThrottleSettings(rate_limit=DEFAULT_LIMIT.rate, burst_limit=DEFAULT_LIMIT.burst),
        )
        self.usage_plan.add_api_stage(
            stage=self.rest_api.deployment_stage,
            throttle=[
                apigw.ThrottlingPerMethod(
                    method=method,
                    throttle=apigw.ThrottleSettings(rate_limit=limit.rate, burst_limit=limit.burst),
                )
                for key, limit in PUBLIC_ROUTE_LIMITS.items()
                if (method := self.public_methods.get(key)) is not None
            ],
        )

    def _acknowledge(self) -> None:
        skip(self.rest_api.deployment_stage, "CKV_AWS_120", reason=(
            "Every response is per tenant and per caller (Cognito or agent token); a stage cache keyed on the "
            "path could serve one tenant's data to another, and the smallest cache costs ~$14/month."))
        acknowledge(self.rest_api, "AwsSolutions-APIG2",
                    reason="Requests are validated by the FastAPI/pydantic models in each function, "
                    "which answer 4xx naming the wrong field.")
        acknowledge(self.rest_api, "AwsSolutions-APIG3",
                    reason="No WAF yet: Cognito auth plus stage and method throttling guard the API; "
                    "a regional web ACL is the next hardening step (cost).")
        acknowledge(self.rest_api, "AwsSolutions-IAM4", APIGW_LOGS_POLICY,
                    reason="The account-level API Gateway role needs the AWS managed push-to-logs policy.")
