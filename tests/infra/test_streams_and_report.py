"""Given the synthesized hub: the streams' WebSocket API, the log forwarding, the report schedule and sender."""

from __future__ import annotations

from spothive import topology
from tests.infra.conftest import resources


def test_websocket_api_routes_go_to_the_stream_functions(synth):
    hub = synth.built.hub
    (api_id, api), = resources(synth.hub, "AWS::ApiGatewayV2::Api").items()
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.action"
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in resources(synth.hub, "AWS::ApiGatewayV2::Route").values()}
    assert set(routes) == {"$connect", "$disconnect", "$default"}
    integrations = resources(synth.hub, "AWS::ApiGatewayV2::Integration")
    for key, function in (("$connect", "ws-connect"), ("$disconnect", "ws-disconnect"), ("$default", "ws-default")):
        target = routes[key]["Target"]["Fn::Join"][1][1]["Ref"]
        uri = integrations[target]["Properties"]["IntegrationUri"]
        assert synth.logical_id(hub.functions[function]) in str(uri), key
    (stage,) = resources(synth.hub, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "live" and stage["Properties"]["AutoDeploy"] is True
    assert "DestinationArn" in stage["Properties"]["AccessLogSettings"]
    assert stage["Properties"]["ApiId"] == {"Ref": api_id}


def test_publishers_know_the_stage_and_may_post_to_its_connections_only(synth):
    hub = synth.built.hub
    pushers = {s.name for s in topology.ALL_FUNCTIONS if "SPOTHIVE_WEBSOCKET_ENDPOINT" in s.settings}
    assert {"worker-discovery", "ws-default", "stream-logs"} <= pushers
    for name in ("worker-discovery", "ws-default", "stream-logs"):
        props = synth.hub["Resources"][synth.logical_id(hub.functions[name])]["Properties"]
        endpoint = props["Environment"]["Variables"]["SPOTHIVE_WEBSOCKET_ENDPOINT"]
        assert {"Ref": synth.logical_id(hub.streams.api)} in endpoint["Fn::Join"][1]
        assert endpoint["Fn::Join"][1][-1].endswith("/live")


def test_every_function_log_group_but_the_forwarders_feeds_the_platform_log(synth):
    hub = synth.built.hub
    filters = resources(synth.hub, "AWS::Logs::SubscriptionFilter").values()
    forwarder = synth.logical_id(hub.functions["stream-logs"])
    assert all(f["Properties"]["DestinationArn"] == {"Fn::GetAtt": [forwarder, "Arn"]} for f in filters)
    assert len(list(filters)) == len(topology.ALL_FUNCTIONS) - 1
    fed = {f["Properties"]["LogGroupName"]["Ref"] for f in filters}
    assert synth.logical_id(hub.functions["stream-logs"].log_group) not in fed
    assert synth.logical_id(hub.functions["worker-discovery"].log_group) in fed


def test_connections_table_expires_rows_and_fans_out_by_channel(synth):
    tables = {t["Properties"]["TableName"]: t["Properties"] for t in resources(synth.hub, "AWS::DynamoDB::Table").values()}
    table = tables["spothive-stream-connections"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert [ix["IndexName"] for ix in table["GlobalSecondaryIndexes"]] == ["by_channel"]


def test_weekly_report_runs_mondays_and_sends_from_the_ses_identity(synth):
    hub = synth.built.hub
    rule = synth.hub["Resources"][synth.logical_id(hub.schedules.rules["weekly-report"])]["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 8 ? * MON *)"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(hub.functions["worker-report"]), "Arn"]}
    (identity,) = resources(synth.hub, "AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == "reports@spothive.io"
    env = synth.hub["Resources"][synth.logical_id(hub.functions["worker-report"])]["Properties"]["Environment"]
    assert env["Variables"]["SPOTHIVE_REPORT_SENDER"] == "reports@spothive.io"
    assert env["Variables"]["SPOTHIVE_CONSOLE_URL"] == "https://app.spothive.io"
