"""Given the synthesized hub, the REST API matches the topology's route groups and rate limits."""

from __future__ import annotations

from infra.constants import DEFAULT_LIMIT, SIGNUP_LIMIT, TOKEN_LIMIT
from spothive import topology
from tests.infra.conftest import resources


def _paths(template: dict) -> dict[str, str]:
    """Resource logical id → full path such as ``/api/auth/{proxy+}``."""
    nodes = resources(template, "AWS::ApiGateway::Resource")

    def path(logical: str) -> str:
        props = nodes[logical]["Properties"]
        parent = props["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {logical: path(logical) for logical in nodes}


def _methods(template: dict) -> list[tuple[str, str, dict]]:
    paths = _paths(template)
    out = []
    for method in resources(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        out.append((props["HttpMethod"], path, props))
    return out


#: What the in-cluster agent calls with its per-cluster token (docs/agent.md), checked by api-clusters.
AGENT_ROUTES = {
    ("POST", "/api/agent/heartbeat"), ("PUT", "/api/agent/snapshot"), ("POST", "/api/agent/usage"),
    ("POST", "/api/agent/signals"), ("GET", "/api/agent/actions"), ("POST", "/api/agent/actions/{action_id}/ack"),
    ("POST", "/api/agent/actions/{action_id}/result"),
}


def test_cognito_authorizer_on_every_route_but_the_public_ones(synth):
    # Given every method of the API
    methods = _methods(synth.hub)
    authorizer = synth.logical_id(synth.built.hub.api.authorizer)
    public = {pair for spec in topology.API_FUNCTIONS for pair in spec.public_routes}
    assert public == {("POST", "/api/auth/signup"), ("POST", "/api/auth/token"), *AGENT_ROUTES}
    seen_public = set()
    for http_method, path, props in methods:
        if http_method == "OPTIONS":
            # Then CORS preflight stays open (browsers send it without credentials) and runs no code
            assert props["AuthorizationType"] == "NONE"
            assert props["Integration"]["Type"] == "MOCK"
        elif (http_method, path) in public:
            assert props["AuthorizationType"] == "NONE"
            seen_public.add((http_method, path))
        else:
            # Then every other method demands a Cognito token
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS", (http_method, path)
            assert props["AuthorizerId"] == {"Ref": authorizer}, (http_method, path)
    assert seen_public == public


def test_agent_routes_are_unauthenticated_and_reach_the_clusters_function(synth):
    # Given the agent routes (agents send their per-cluster token, which api-clusters verifies)
    methods = {(m, p): props for m, p, props in _methods(synth.hub)}
    alias = synth.logical_id(synth.built.hub.node.find_child("Compute").aliases["api-clusters"])
    for route in AGENT_ROUTES:
        props = methods[route]
        # Then they carry no authorizer and are served by api-clusters
        assert props["AuthorizationType"] == "NONE", route
        assert "AuthorizerId" not in props, route
        assert alias in str(props["Integration"]["Uri"]), route
    # And every other method under /api/agent still demands a Cognito token
    authorizer = synth.logical_id(synth.built.hub.api.authorizer)
    others = [(m, p) for (m, p) in methods if p.startswith("/api/agent") and m != "OPTIONS"
              and (m, p) not in AGENT_ROUTES]
    assert others
    for key in others:
        assert methods[key]["AuthorizationType"] == "COGNITO_USER_POOLS", key
        assert methods[key]["AuthorizerId"] == {"Ref": authorizer}, key


def test_every_route_prefix_has_a_proxy_resource_on_its_function(synth):
    methods = {(m, p): props for m, p, props in _methods(synth.hub)}
    for spec in topology.API_FUNCTIONS:
        alias = synth.logical_id(synth.built.hub.node.find_child("Compute").aliases[spec.name])
        for prefix in spec.routes:
            for path in (prefix, f"{prefix}/{{proxy+}}"):
                props = methods[("ANY", path)]
                uri = str(props["Integration"]["Uri"])
                assert props["Integration"]["Type"] == "AWS_PROXY"
                assert alias in uri, (spec.name, path)


def test_stage_throttling_maps_the_rate_limits(synth):
    (stage,) = resources(synth.hub, "AWS::ApiGateway::Stage").values()
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in stage["Properties"]["MethodSettings"]}
    default = settings[("*", "/*")]
    assert default["ThrottlingRateLimit"] == DEFAULT_LIMIT.rate == 1.6667
    assert default["ThrottlingBurstLimit"] == 100
    signup = settings[("POST", "/~1api~1auth~1signup")]
    assert (signup["ThrottlingRateLimit"], signup["ThrottlingBurstLimit"]) == (SIGNUP_LIMIT.rate, 1)
    assert SIGNUP_LIMIT.rate == 0.0014
    token = settings[("POST", "/~1api~1auth~1token")]
    assert (token["ThrottlingRateLimit"], token["ThrottlingBurstLimit"]) == (TOKEN_LIMIT.rate, 10)
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"]
    assert stage["Properties"]["TracingEnabled"] is True


def test_usage_plan_repeats_the_limits(synth):
    (plan,) = resources(synth.hub, "AWS::ApiGateway::UsagePlan").values()
    props = plan["Properties"]
    assert props["Throttle"] == {"RateLimit": DEFAULT_LIMIT.rate, "BurstLimit": DEFAULT_LIMIT.burst}
    throttle = props["ApiStages"][0]["Throttle"]
    assert {(v["RateLimit"], v["BurstLimit"]) for v in throttle.values()} == {(0.0014, 1), (0.1667, 10)}
    assert set(throttle) == {"/api/auth/signup/POST", "/api/auth/token/POST"}


def test_the_app_client_cannot_write_email_org_or_role(synth):
    # Given the hub's Cognito app client
    clients = [r["Properties"] for r in synth.hub["Resources"].values() if r["Type"] == "AWS::Cognito::UserPoolClient"]
    assert len(clients) == 1
    # Then users may write only their display name, never the attributes identity could be read from
    assert clients[0]["WriteAttributes"] == ["name"]
    assert set(clients[0]["ReadAttributes"]) == {"email", "email_verified", "name", "custom:org_id", "custom:role"}
