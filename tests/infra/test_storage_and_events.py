"""Given the synthesized stacks: the data bucket, bucket access by prefix, and Spot event forwarding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.actions import OBJECT_ACTIONS
from infra.constants import SPOT_EVENT_TYPES
from spothive import topology
from spothive.topology import Bucket
from tests.infra.conftest import resources


def _env(synth, name: str) -> dict:
    fn = synth.built.hub.functions[name]
    return synth.hub["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]


def _statements(synth, name: str) -> list[dict]:
    fn = synth.hub["Resources"][synth.logical_id(synth.built.hub.functions[name])]["Properties"]
    role = fn["Role"]["Fn::GetAtt"][0]
    return [s for p in resources(synth.hub, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _s3_grants(synth, name: str) -> dict[str, set[str]]:
    """Object ARN suffix (``/snapshots/*``) → S3 actions, for statements on the data or model bucket."""
    out: dict[str, set[str]] = {}
    for statement in _statements(synth, name):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not any(a.startswith("s3:") for a in actions):
            continue
        for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
            parts = resource["Fn::Join"][1]
            key = f"{parts[0]['Fn::GetAtt'][0]}{parts[1]}"
            out.setdefault(key, set()).update(actions)
    return out


def test_data_bucket_is_private_encrypted_tls_only_and_logged(synth):
    bucket_id = synth.logical_id(synth.built.hub.storage.bucket)
    props = synth.hub["Resources"][bucket_id]["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["LoggingConfiguration"]["DestinationBucketName"]
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-audit-exports"]["Prefix"] == "audit-exports/"
    assert rules["expire-audit-exports"]["ExpirationInDays"] == 30
    policies = [p["Properties"] for p in resources(synth.hub, "AWS::S3::BucketPolicy").values()
                if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    (policy,) = policies
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in policy["PolicyDocument"]["Statement"])


def test_advisor_transitions_expire_and_nothing_else_in_the_model_bucket_does(synth):
    from spothive.adapters.aws.calibration_store import PREFIX
    from spothive.services.model_recalibration import transition_key

    # Given the model bucket as synthesized
    props = synth.hub["Resources"][synth.logical_id(synth.built.hub.model.artifacts)]["Properties"]
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    # Then only the transitions the Advisor worker writes expire, after a month
    key = PREFIX + transition_key(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    assert key.startswith(rule["Prefix"]) and rule["Prefix"] == "calibration/transitions/"
    assert rule["ExpirationInDays"] == 30 and rule["Status"] == "Enabled"
    # And the calibration documents and model cards beside them do not
    assert not (PREFIX + "v1/calibration.json").startswith(rule["Prefix"])


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_bucket_access_is_exactly_the_manifest_by_prefix(synth, spec):
    hub = synth.built.hub
    buckets = {Bucket.DATA: synth.logical_id(hub.storage.bucket), Bucket.MODEL: synth.logical_id(hub.model.artifacts)}
    expected = {f"{buckets[use.bucket]}/{use.prefix}*": set(OBJECT_ACTIONS[use.mode]) for use in spec.buckets}
    assert _s3_grants(synth, spec.name) == expected
    # And a function with objects in a bucket knows that bucket's name
    env = _env(synth, spec.name)
    for use in spec.buckets:
        variable = {Bucket.MODEL: "SPOTHIVE_MODEL_BUCKET", Bucket.DATA: (
            "SPOTHIVE_EXPORTS_BUCKET" if use.prefix == "audit-exports/" else "SPOTHIVE_DATA_BUCKET")}[use.bucket]
        assert env[variable] == {"Ref": buckets[use.bucket]}


def test_bucket_access_by_prefix_for_the_known_users(synth):
    hub = synth.built.hub
    data = synth.logical_id(hub.storage.bucket)
    models = synth.logical_id(hub.model.artifacts)
    assert _s3_grants(synth, "api-clusters") == {f"{data}/snapshots/*": {"s3:GetObject", "s3:PutObject"},
                                                 f"{data}/usage/*": {"s3:GetObject", "s3:PutObject"}}
    assert _s3_grants(synth, "opt-detect") == {f"{data}/snapshots/*": {"s3:GetObject"}}
    assert _s3_grants(synth, "opt-execute") == {f"{data}/snapshots/*": {"s3:GetObject"}}
    assert _s3_grants(synth, "api-audit") == {f"{data}/audit-exports/*": {"s3:GetObject", "s3:PutObject"}}
    assert _s3_grants(synth, "api-admin") == {
        f"{models}/models/*": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
        f"{models}/calibration/*": {"s3:GetObject"}}
    # the served model's calibration: written where it is served, followed by the in-process model
    assert _s3_grants(synth, "model-endpoint") == {f"{models}/models/*": {"s3:GetObject"},
                                                   f"{models}/calibration/*": {"s3:GetObject", "s3:PutObject"}}
    assert _s3_grants(synth, "opt-risk") == {f"{models}/models/*": {"s3:GetObject"},
                                             f"{models}/calibration/*": {"s3:GetObject"}}
    assert _s3_grants(synth, "worker-advisor")[f"{models}/calibration/*"] == {"s3:GetObject", "s3:PutObject"}


def test_settings_that_point_at_other_resources(synth):
    hub = synth.built.hub
    clusters = _env(synth, "api-clusters")
    optimization = hub.workflows.state_machines["optimization"]
    assert clusters["SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN"] == {"Ref": synth.logical_id(optimization)}
    assert synth.logical_id(hub.api.rest_api) in str(clusters["SPOTHIVE_API_BASE_URL"])
    assert "/v1" in str(clusters["SPOTHIVE_API_BASE_URL"])
    discovery = synth.logical_id(hub.functions["worker-discovery"])
    assert _env(synth, "api-connect")["SPOTHIVE_DISCOVERY_FUNCTION_NAME"] == {"Ref": discovery}
    invokes = [s for s in _statements(synth, "api-connect") if "lambda:InvokeFunction" in s["Action"]]
    assert any({"Fn::GetAtt": [discovery, "Arn"]} in s["Resource"] for s in invokes)
    assert _env(synth, "worker-prices")["SPOTHIVE_PRICE_SOURCE"] == "aws"


def test_hub_bus_accepts_only_spot_signals_from_other_accounts(synth):
    (policy,) = resources(synth.hub, "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    assert policy["Properties"]["EventBusName"] == "default"
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {"StringEquals": {
        "events:source": "aws.ec2", "events:detail-type": list(SPOT_EVENT_TYPES)}}


def test_customer_forwards_spot_signals_to_the_hub_bus(synth):
    customer = synth.built.customer
    params = synth.customer["Parameters"]
    assert params["HubEventBusArn"]["Default"] == "default"
    rule = synth.customer["Resources"][synth.logical_id(customer.spot_rule)]["Properties"]
    assert rule["EventPattern"] == {"source": ["aws.ec2"], "detail-type": list(SPOT_EVENT_TYPES)}
    (target,) = rule["Targets"]
    chosen = target["Arn"]["Fn::If"]
    assert chosen[0] == "HubEventBusDefault" and chosen[2] == {"Ref": "HubEventBusArn"}
    assert {"Ref": "HubAccountId"} in chosen[1]["Fn::Join"][1]
    role_id = synth.logical_id(customer.forwarder_role)
    assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    role = synth.customer["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    (inline,) = role["Policies"]
    (statement,) = inline["PolicyDocument"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == target["Arn"]
