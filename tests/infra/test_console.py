"""Given the hub template: the console is private S3 behind CloudFront with OAC, security headers and its config."""

from __future__ import annotations

import json

from tests.infra.conftest import resources


def _one(template, kind):
    found = resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def test_distribution_reads_the_bucket_through_origin_access_control_only(synth):
    console = synth.built.hub.console
    site = synth.logical_id(console.bucket)
    _, distribution = _one(synth.hub, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]
    oac_id, _ = _one(synth.hub, "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "index.html"
    # client-side routes come back as the app, not as S3's error
    assert {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]} == {
        (403, 200, "/index.html"), (404, 200, "/index.html")}
    site_bucket = synth.hub["Resources"][site]["Properties"]
    assert site_bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    policies = [p for p in resources(synth.hub, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": site}]
    allows = [s for s in policies[0]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert [(s["Principal"], s["Action"]) for s in allows] == [({"Service": "cloudfront.amazonaws.com"}, "s3:GetObject")]
    assert "AWS:SourceArn" in allows[0]["Condition"]["StringEquals"]


def test_every_response_carries_the_security_headers(synth):
    _, policy = _one(synth.hub, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    # the app calls its own origin only: the API is served under /api of the same distribution
    assert "connect-src 'self';" in csp


def test_the_api_is_served_under_the_consoles_own_origin_uncached_with_the_token_forwarded(synth):
    _, distribution = _one(synth.hub, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origin = next(o for o in config["Origins"] if o["Id"] == api["TargetOriginId"])
    assert json.dumps(origin["DomainName"]).count(synth.logical_id(synth.built.hub.api.rest_api)) >= 1
    assert "OriginPath" in origin  # the stage, split out of the API's URL
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["ViewerProtocolPolicy"] == "https-only"
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader


def test_runtime_config_names_the_api_and_the_cognito_pool_and_client(synth):
    hub = synth.built.hub
    _, deployment = _one(synth.hub, "Custom::CDKBucketDeployment")
    markers = json.dumps(deployment["Properties"]["SourceMarkers"])
    for construct in (hub.auth.user_pool, hub.auth.client):
        assert synth.logical_id(construct) in markers
    assert set(hub.console.runtime_config) == {"apiUrl", "region", "userPoolId", "userPoolClientId"}
    assert hub.console.runtime_config["apiUrl"] == ""  # same origin
    assert any(output.startswith("ConsoleConsoleUrl") for output in synth.hub["Outputs"])
