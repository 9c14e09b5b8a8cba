"""Given the embedded stack, the resources in moto match the specs the CDK app deploys."""

from __future__ import annotations

import json
import os

import jwt
import pytest

from spothive import topology
from spothive.adapters.dynamo import schema
from spothive.local.provision import provision

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("spec", schema.ALL_TABLES, ids=lambda s: s.suffix)
def test_every_table_matches_its_spec(local_stack, spec):
    ddb = local_stack.client("dynamodb")

    table = ddb.describe_table(TableName=spec.table_name("spothive"))["Table"]

    keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
    assert keys["HASH"] == spec.hash_key.name
    assert keys.get("RANGE") == (spec.range_key.name if spec.range_key else None)
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {k.name: k.type for k in spec.key_attributes()}
    indexes = {
        i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
        for i in table.get("GlobalSecondaryIndexes", [])
    }
    expected = {
        i.name: {"HASH": i.hash_key.name, **({"RANGE": i.range_key.name} if i.range_key else {})}
        for i in spec.indexes
    }
    assert indexes == expected
    assert table.get("StreamSpecification", {}).get("StreamEnabled", False) is spec.stream
    ttl = ddb.describe_time_to_live(TableName=spec.table_name("spothive"))["TimeToLiveDescription"]
    if spec.ttl_attribute:
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", spec.ttl_attribute)
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_functions_state_machines_rules_and_bucket_exist(local_stack):
    names = {f["FunctionName"] for f in local_stack.client("lambda").list_functions()["Functions"]}
    machines = local_stack.client("stepfunctions").list_state_machines()["stateMachines"]
    rules = local_stack.client("events").list_rules(NamePrefix="spothive-")["Rules"]
    buckets = [b["Name"] for b in local_stack.client("s3").list_buckets()["Buckets"]]

    assert {s.name for s in topology.ALL_FUNCTIONS} <= names
    assert {m["name"] for m in machines} >= {"spothive-optimization", "spothive-live-switch"}
    by_name = {r["Name"]: r.get("ScheduleExpression") for r in rules}
    assert by_name["spothive-hibernation"] == "rate(1 minute)"
    assert by_name["spothive-spot-advisor"] == "rate(360 minutes)"
    assert "spothive-artifacts" in buckets


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_each_function_gets_the_environment_its_manifest_declares(local_stack, spec):
    configuration = local_stack.client("lambda").get_function_configuration(FunctionName=spec.name)
    env = configuration["Environment"]["Variables"]
    # Then the SPOTHIVE_* settings are exactly the manifest's (plus the emulator's issuer, keys and feed, and
    # the checkout's agent chart in place of the published one, and worker health read from the local counters)
    local_only = {"SPOTHIVE_COGNITO_ISSUER", "SPOTHIVE_COGNITO_JWKS_URL", "SPOTHIVE_ADVISOR_FEED", "SPOTHIVE_AGENT_CHART",
                  "SPOTHIVE_RUN_TELEMETRY"}
    assert {k for k in env if k.startswith("SPOTHIVE_")} - local_only == set(spec.environment())
    assert env == local_stack.provisioned.function_env[spec.name]
    # And the shared process environment holds every declared setting with the same value
    assert all(local_stack.env[k] == v for k, v in env.items())


def test_state_machine_definitions_point_at_the_function_arns(local_stack):
    sfn = local_stack.client("stepfunctions")
    arn = local_stack.env["SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN"]

    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])

    assert definition["States"]["Detect"]["Resource"] == local_stack.provisioned.functions["opt-detect"]
    assert definition["States"]["RecordFailure"]["Resource"] == local_stack.provisioned.functions["opt-audit"]


def test_provisioning_again_is_idempotent(local_stack):
    again = provision(local_stack.endpoint_url, redis_url=local_stack.redis_url,
                      advisor_feed=local_stack.env["SPOTHIVE_ADVISOR_FEED"],
                      api_base_url=local_stack.env["SPOTHIVE_API_BASE_URL"])

    assert again.env == local_stack.env
    tables = local_stack.client("dynamodb").list_tables()["TableNames"]
    assert len([t for t in tables if t.startswith("spothive-")]) == len(schema.ALL_TABLES)


def test_environment_is_exported_for_in_process_handlers(local_stack):
    from spothive import settings

    assert os.environ["AWS_ENDPOINT_URL"] == local_stack.endpoint_url
    assert settings.load(settings.RedisSettings).redis_url == local_stack.redis_url
    assert settings.load(settings.CognitoSettings).cognito_user_pool_id == local_stack.provisioned.user_pool_id
    assert settings.load(settings.WorkflowSettings).optimization_state_machine_arn.endswith(
        ":stateMachine:spothive-optimization")
    assert (local_stack.config.data_dir / "local.env").read_text().count("export ") == len(local_stack.env)


def test_cognito_issues_a_jwt_verifiable_with_the_served_jwks(local_stack):
    idp = local_stack.client("cognito-idp")
    env = local_stack.env
    pool = env["SPOTHIVE_COGNITO_USER_POOL_ID"]
    idp.admin_create_user(
        UserPoolId=pool, Username="ada@example.com", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"},
                        {"Name": "custom:org_id", "Value": "org-1"},
                        {"Name": "custom:role", "Value": "admin"}],
    )
    idp.admin_set_user_password(UserPoolId=pool, Username="ada@example.com", Password="Correct-horse-42!",
                                Permanent=True)

    tokens = idp.admin_initiate_auth(
        UserPoolId=pool, ClientId=env["SPOTHIVE_COGNITO_CLIENT_ID"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": "Correct-horse-42!"},
    )["AuthenticationResult"]
    jwks = jwt.PyJWKClient(env["SPOTHIVE_COGNITO_JWKS_URL"], timeout=5)
    key = jwks.get_signing_key_from_jwt(tokens["IdToken"])
    claims = jwt.decode(tokens["IdToken"], key.key, algorithms=["RS256"],
                        audience=env["SPOTHIVE_COGNITO_CLIENT_ID"], issuer=env["SPOTHIVE_COGNITO_ISSUER"],
                        options={"require": ["exp", "iss", "aud", "sub"]})

    assert claims["email"] == "ada@example.com"
    assert claims["custom:org_id"] == "org-1"
    assert claims["custom:role"] == "admin"
    assert claims["token_use"] == "id"


def test_the_user_pool_enforces_the_deployed_password_policy(local_stack):
    idp = local_stack.client("cognito-idp")
    pool = local_stack.env["SPOTHIVE_COGNITO_USER_POOL_ID"]
    idp.admin_create_user(UserPoolId=pool, Username="bob@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])

    with pytest.raises(idp.exceptions.InvalidPasswordException):
        idp.admin_set_user_password(UserPoolId=pool, Username="bob@example.com", Password="short",
                                    Permanent=True)


def test_reset_empties_this_stacks_data_and_keeps_its_resources(local_stack):
    import redis

    ddb = local_stack.client("dynamodb")
    s3 = local_stack.client("s3")
    idp = local_stack.client("cognito-idp")
    pool = local_stack.provisioned.user_pool_id
    ddb.put_item(TableName="spothive-orgs", Item={"org_id": {"S": "org-reset"}})
    ddb.put_item(TableName="spothive-audit-logs", Item={"org_id": {"S": "org-reset"}, "seq": {"N": "1"}})
    s3.put_object(Bucket="spothive-artifacts", Key="models/m1.txt", Body=b"tree")
    idp.admin_create_user(UserPoolId=pool, Username="reset@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "reset@example.com"}])
    ddb.create_table(TableName="other-keep", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    ddb.put_item(TableName="other-keep", Item={"k": {"S": "stays"}})
    with redis.Redis.from_url(local_stack.redis_url) as connection:
        connection.set("SAFE_MODE", "1")
    env_before = local_stack.env

    local_stack.reset()

    assert ddb.scan(TableName="spothive-orgs")["Count"] == 0
    assert ddb.scan(TableName="spothive-audit-logs")["Count"] == 0
    assert s3.list_objects_v2(Bucket="spothive-artifacts")["KeyCount"] == 0
    assert idp.list_users(UserPoolId=pool)["Users"] == []
    assert ddb.get_item(TableName="other-keep", Key={"k": {"S": "stays"}})["Item"] == {"k": {"S": "stays"}}
    with redis.Redis.from_url(local_stack.redis_url) as connection:
        assert connection.get("SAFE_MODE") is None
    assert local_stack.env == env_before


def test_spot_signals_have_their_rule_and_reach_the_spot_events_function(local_stack):
    seen = []
    rule = local_stack.client("events").describe_rule(Name="spothive-spot-events")

    with local_stack.registry.override({"worker-spot-events": lambda event, context: seen.append(event)}):
        local_stack.emit_spot_event("i-0abc")

    assert json.loads(rule["EventPattern"])["source"] == ["aws.ec2"]
    assert seen[0]["detail-type"] == "EC2 Spot Instance Interruption Warning"
    assert seen[0]["detail"] == {"instance-id": "i-0abc", "instance-action": "terminate"}
    assert seen[0]["resources"] == ["arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"]


def test_a_schedule_can_be_fired_on_demand(local_stack):
    def prices(event, context):
        return {"rule": event["resources"]}

    with local_stack.registry.override({"worker-prices": prices}):
        result = local_stack.fire_schedule("prices")

    assert result == {"rule": [local_stack.provisioned.rules["prices"]]}
