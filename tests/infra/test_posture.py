"""Given the synthesized hub: each function's concurrency, dead letters and keys follow its manifest."""

from __future__ import annotations

import pytest

from spothive import topology
from spothive.adapters.dynamo.schema import ALL_TABLES
from spothive.topology import Access
from tests.infra.conftest import resources

#: An account's default concurrency, and what Lambda keeps unreserved.
ACCOUNT_LIMIT, UNRESERVED_MINIMUM = 1000, 100


def _props(synth, logical: str) -> dict:
    return synth.hub["Resources"][logical]["Properties"]


def _function(synth, name: str) -> dict:
    return synth.hub["Resources"][synth.logical_id(synth.built.hub.functions[name])]


def _arn(synth, construct) -> dict:
    return {"Fn::GetAtt": [synth.logical_id(construct), "Arn"]}


def _statements(synth, name: str) -> list[dict]:
    role = _function(synth, name)["Properties"]["Role"]["Fn::GetAtt"][0]
    return [s for policy in resources(synth.hub, "AWS::IAM::Policy").values()
            if {"Ref": role} in policy["Properties"]["Roles"]
            for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def _on(statements: list[dict], resource: dict) -> list[dict]:
    return [s for s in statements if s["Resource"] == resource]


def _actions(statement: dict) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_function_reserves_its_manifest_concurrency_and_encrypts_its_environment_and_logs(synth, spec):
    keys = synth.built.hub.keys
    props = _function(synth, spec.name)["Properties"]
    assert props["ReservedConcurrentExecutions"] == spec.reserved_concurrency
    assert props["KmsKeyArn"] == _arn(synth, keys.environment)
    # Then the role may decrypt its variables, and nothing more with that key
    (env_grant,) = _on(_statements(synth, spec.name), _arn(synth, keys.environment))
    assert _actions(env_grant) == {"kms:Decrypt"}
    log_group = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert _props(synth, log_group)["KmsKeyId"] == _arn(synth, keys.logs)


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_async_functions_dead_letter_into_their_own_queue_and_sync_ones_say_why_not(synth, spec):
    hub = synth.built.hub
    function = _function(synth, spec.name)
    skips = {e["id"]: e["comment"] for e in function.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    if not spec.async_invoked:
        assert "DeadLetterConfig" not in function["Properties"]
        assert spec.name not in hub.dead_letters
        assert "synchronous" in skips["CKV_AWS_116"]
        return
    queue = hub.dead_letters[spec.name]
    assert function["Properties"]["DeadLetterConfig"] == {"TargetArn": _arn(synth, queue)}
    assert "CKV_AWS_116" not in skips
    # Then the queue is its alone, encrypted with the dead-letter key, kept 14 days
    assert sum(1 for n, q in hub.dead_letters.items() if q is queue) == 1
    queue_props = _props(synth, synth.logical_id(queue))
    assert queue_props["KmsMasterKeyId"] == _arn(synth, hub.keys.dead_letters)
    assert queue_props["MessageRetentionPeriod"] == 14 * 24 * 3600
    # And Lambda retries as the topology says before dead-lettering
    fn_ref = {"Ref": synth.logical_id(hub.functions[spec.name])}
    (config,) = [c["Properties"] for c in resources(synth.hub, "AWS::Lambda::EventInvokeConfig").values()
                 if c["Properties"]["FunctionName"] == fn_ref]
    assert config["MaximumRetryAttempts"] == topology.ASYNC_RETRIES
    assert config["MaximumEventAgeInSeconds"] == topology.ASYNC_MAX_EVENT_AGE_S
    # And the role may write to that queue and its key
    statements = _statements(synth, spec.name)
    assert {"sqs:SendMessage"} <= {a for s in _on(statements, _arn(synth, queue)) for a in _actions(s)}
    (key_grant,) = _on(statements, _arn(synth, hub.keys.dead_letters))
    assert _actions(key_grant) == {"kms:Decrypt", "kms:GenerateDataKey"}
    # And an alarm watches the queue
    alarmed = [a for a in resources(synth.hub, "AWS::CloudWatch::Alarm").values()
               if {"Name": "QueueName", "Value": {"Fn::GetAtt": [synth.logical_id(queue), "QueueName"]}}
               in a["Properties"].get("Dimensions", [])]
    assert len(alarmed) == 1 and alarmed[0]["Properties"]["Threshold"] == 1


def test_every_event_rule_targets_an_async_function_and_dead_letters_into_its_queue(synth):
    hub = synth.built.hub
    by_logical = {synth.logical_id(fn): name for name, fn in hub.functions.items()}
    targets = [t for rule in resources(synth.hub, "AWS::Events::Rule").values() for t in rule["Properties"]["Targets"]]
    assert len(targets) == len(topology.SCHEDULES) + 1  # and the Spot event rule
    for target in targets:
        name = by_logical[target["Arn"]["Fn::GetAtt"][0]]
        assert topology.function(name).async_invoked, name
        assert target["DeadLetterConfig"] == {"Arn": _arn(synth, hub.dead_letters[name])}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": topology.ASYNC_RETRIES,
                                         "MaximumEventAgeInSeconds": topology.ASYNC_MAX_EVENT_AGE_S}


def test_discovery_is_async_because_api_connect_invokes_it_with_invocation_type_event():
    # Given the function another function invokes (the discovery trigger uses InvocationType=Event)
    invoked = {g.name for spec in topology.ALL_FUNCTIONS for g in spec.iam if g.actions == ("lambda:InvokeFunction",)}
    # Then discovery is declared async, so it gets retries and a dead-letter queue
    assert "worker-discovery" in invoked
    assert topology.function("worker-discovery").async_invoked


def test_reserved_concurrency_stays_inside_the_budget_and_the_account():
    total = sum(spec.reserved_concurrency for spec in topology.ALL_FUNCTIONS)
    assert total <= topology.CONCURRENCY_BUDGET <= ACCOUNT_LIMIT - UNRESERVED_MINIMUM
    # The busiest function (every agent's polls) reserves the most; one-at-a-time workers reserve one
    busiest = max(topology.ALL_FUNCTIONS, key=lambda s: s.reserved_concurrency)
    assert busiest.name == "api-clusters"
    assert {s.name for s in topology.ALL_FUNCTIONS if s.reserved_concurrency == 1} == {
        "worker-prices", "worker-advisor", "worker-hibernation", "worker-report", "worker-optimize"}


def test_a_manifest_cannot_reserve_outside_the_budget_or_call_an_api_function_async():
    with pytest.raises(ValueError, match="reserved_concurrency"):
        topology.FunctionSpec("w", "w.handler", "w", reserved_concurrency=0)
    with pytest.raises(ValueError, match="reserved_concurrency"):
        topology.FunctionSpec("w", "w.handler", "w", reserved_concurrency=topology.CONCURRENCY_BUDGET + 1)
    with pytest.raises(ValueError, match="synchronously"):
        topology.FunctionSpec("a", "a.handler", "a", routes=("/api/a",), async_invoked=True)


def test_every_table_is_encrypted_with_the_data_key(synth):
    data_key = _arn(synth, synth.built.hub.keys.data)
    tables = resources(synth.hub, "AWS::DynamoDB::Table")
    assert len(tables) == len(ALL_TABLES)
    for logical, table in tables.items():
        assert table["Properties"]["SSESpecification"] == {
            "SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": data_key}, logical


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_the_data_key_is_granted_through_dynamodb_to_table_users_only(synth, spec):
    grants = _on(_statements(synth, spec.name), _arn(synth, synth.built.hub.keys.data))
    if not spec.tables:
        assert grants == []
        return
    (grant,) = grants
    assert grant["Condition"] == {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}
    writes = any(use.mode in (Access.WRITE, Access.APPEND) for use in spec.tables)
    expected = {"kms:Decrypt", "kms:DescribeKey"} | ({"kms:Encrypt", "kms:GenerateDataKey"} if writes else set())
    assert _actions(grant) == expected


def test_every_log_group_is_encrypted_with_the_logs_key(synth):
    logs_key = _arn(synth, synth.built.hub.keys.logs)
    groups = resources(synth.hub, "AWS::Logs::LogGroup")
    assert len(groups) >= len(topology.ALL_FUNCTIONS) + len(topology.STATE_MACHINES) + 2  # API access, flow logs
    assert {logical: g["Properties"].get("KmsKeyId") for logical, g in groups.items()} == dict.fromkeys(
        groups, logs_key)


def test_keys_rotate_are_retained_and_admit_only_the_services_that_need_them(synth):
    keys = synth.built.hub.keys.all()
    services: dict[str, set[str]] = {}
    for name, key in keys.items():
        resource = synth.hub["Resources"][synth.logical_id(key)]
        assert resource["Properties"]["EnableKeyRotation"] is True
        assert resource["DeletionPolicy"] == "Retain"
        statements = resource["Properties"]["KeyPolicy"]["Statement"]
        services[name] = {s["Principal"]["Service"] for s in statements if "Service" in s["Principal"]}
    assert services == {"data": set(), "environment": set(), "logs": {"logs.us-east-1.amazonaws.com"},
                        "dead-letters": {"events.amazonaws.com"}}
    logs_policy = synth.hub["Resources"][synth.logical_id(keys["logs"])]["Properties"]["KeyPolicy"]["Statement"]
    (logs,) = [s for s in logs_policy if "Service" in s["Principal"]]
    # Then CloudWatch Logs may use the key for this account's log groups only
    (context,) = logs["Condition"]["ArnLike"].values()
    assert context["Fn::Join"][1][-1] == ":log-group:*"
    assert {"Ref": "AWS::AccountId"} in context["Fn::Join"][1]


def test_the_data_bucket_is_versioned_and_bounds_its_old_versions(synth):
    bucket = _props(synth, synth.logical_id(synth.built.hub.storage.bucket))
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "data/"


def test_an_event_rule_refuses_a_target_that_is_not_async_invoked(synth):
    from infra.constructs.schedules import Schedules

    hub = synth.built.hub
    # Given a workflow step (synchronous, no dead-letter queue)
    with pytest.raises(ValueError, match="opt-decide is an EventBridge target: declare it async_invoked"):
        # When a schedule would target it, Then the construct refuses
        Schedules._target("opt-decide", hub.functions, hub.dead_letters)
