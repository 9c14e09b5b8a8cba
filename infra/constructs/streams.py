"""The live streams on AWS: an API Gateway WebSocket API whose routes are the ``ws-*`` functions, the
``stream-logs`` forwarder subscribed to every function's log group, and the stage's management endpoint
that publishers push through (``PostToConnection``).

Sockets authenticate in ``$connect`` with the REST API's Cognito ID token (subprotocol ``bearer.<token>``
or ``?token=``): the function verifies it exactly as the REST functions do, so no authorizer sits in front.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_logs_destinations as log_destinations
from constructs import Construct

from infra.lambdas import FunctionShared, build_function
from infra.nag import acknowledge
from spothive import topology

STAGE = "live"
#: Messages per second a stage accepts from clients (polls) before API Gateway throttles.
RATE, BURST = 50, 100
FORWARDER = "stream-logs"


class Streams(Construct):
    """The WebSocket API, its stage, its route functions and the log forwarder."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: FunctionShared,
                 logs_key: kms.IKey | None = None) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {
            spec.name: build_function(self, spec, shared) for spec in topology.STREAM_FUNCTIONS
        }
        route = lambda name: apigwv2.WebSocketRouteOptions(  # noqa: E731
            integration=integrations.WebSocketLambdaIntegration(f"{name}-integration", self.functions[name]))
        self.api = apigwv2.WebSocketApi(
            self, "WebSocketApi", api_name="spothive-streams",
            description="SpotHive live streams: discovery progress, platform logs, lab telemetry",
            connect_route_options=route("ws-connect"),
            disconnect_route_options=route("ws-disconnect"),
            default_route_options=route("ws-default"),
        )
        self.stage = apigwv2.WebSocketStage(
            self, "Stage", web_socket_api=self.api, stage_name=STAGE, auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=RATE, burst_limit=BURST),
        )
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_YEAR, encryption_key=logs_key)
        cfn_stage = self.stage.node.default_child
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(  # type: ignore[union-attr]
            destination_arn=access_logs.log_group_arn,
            format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                   '"routeKey":"$context.routeKey","status":"$context.status",'
                   '"connectionId":"$context.connectionId","requestTime":"$context.requestTime"}',
        )
        #: What publishers post to: ``https://<api>.execute-api.<region>.<suffix>/live``.
        self.endpoint = f"https://{self.api.api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE}"
        self.url = self.stage.url
        #: ``POST @connections/*`` on this stage only.
        self.manage_connections_arn = Stack.of(self).format_arn(
            service="execute-api", resource=self.api.api_id, resource_name=f"{STAGE}/POST/@connections/*")
        acknowledge(self.api, "AwsSolutions-APIG4", reason=(
            "$connect verifies the REST API's Cognito ID token in ws-connect (signature, audience, deny-list) "
            "and refuses the handshake without one; $disconnect and $default act only on stored connections."))

    def subscribe_logs(self, functions: Mapping[str, lambda_.Function]) -> None:
        """Forward every function's log group but the forwarder's own to ``stream-logs``."""
        forwarder = self.functions[FORWARDER]
        destination = log_destinations.LambdaDestination(forwarder)
        self.subscriptions: dict[str, logs.SubscriptionFilter] = {}
        for name, fn in sorted(functions.items()):
            if name == FORWARDER:
                continue
            construct_id = "".join(part.capitalize() for part in name.split("-")) + "LogsToStream"
            self.subscriptions[name] = logs.SubscriptionFilter(
                self, construct_id, log_group=fn.log_group, destination=destination,
                filter_pattern=logs.FilterPattern.all_events())
