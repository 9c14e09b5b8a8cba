"""Given the synthesized hub, every topology function is deployed with the right shape and access."""

from __future__ import annotations

import json

import pytest

from infra.access import ASSUMES_CUSTOMER_ROLE, TABLE_ACCESS
from infra.constants import CUSTOMER_ROLE_ARN_PATTERN, ML_LAYER_EXTRA, SIZING_OVERRIDES
from spothive import topology
from tests.infra.conftest import resources


def _function(synth, name: str) -> dict:
    return synth.hub["Resources"][synth.logical_id(synth.built.hub.functions[name])]["Properties"]


def _statements(synth, name: str) -> list[dict]:
    """Every statement of the policies attached to function ``name``'s role."""
    role = _function(synth, name)["Role"]["Fn::GetAtt"][0]
    out = []
    for policy in resources(synth.hub, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            out.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def _actions(statement: dict) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


def test_every_topology_function_is_deployed_once():
    assert set(TABLE_ACCESS) == {spec.name for spec in topology.ALL_FUNCTIONS}


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_function_shape(synth, spec):
    props = _function(synth, spec.name)
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    memory_mb, timeout_s = SIZING_OVERRIDES.get(spec.name, (spec.memory_mb, spec.timeout_s))
    assert props["MemorySize"] == memory_mb
    assert props["Timeout"] == timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    env = props["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == f"spothive-{spec.name}"
    assert env["LOG_LEVEL"] == "INFO"
    assert env["SPOTHIVE_TABLE_PREFIX"] == "spothive"
    # Then only Redis users sit in the VPC and know the Redis URL
    assert ("VpcConfig" in props) is spec.needs_redis
    assert ("SPOTHIVE_REDIS_URL" in env) is spec.needs_redis
    assert len(props["Layers"]) == (4 if spec.ml or spec.name in ML_LAYER_EXTRA else 2)


def test_api_admin_validates_models_with_the_ml_layers(synth):
    props = _function(synth, "api-admin")
    model = synth.built.hub.model
    layers = {synth.logical_id(model.ml_layer), synth.logical_id(model.models_layer)}
    assert layers <= {layer["Ref"] for layer in props["Layers"]}
    assert (props["MemorySize"], props["Timeout"]) == (1536, 60)
    # The validator's wall clock fits inside API Gateway's 29 s integration timeout
    assert int(props["Environment"]["Variables"]["SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS"]) < 29


def test_api_functions_use_snapstart_behind_the_live_alias(synth):
    aliases = resources(synth.hub, "AWS::Lambda::Alias")
    for spec in topology.API_FUNCTIONS:
        props = _function(synth, spec.name)
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        fn = synth.logical_id(synth.built.hub.functions[spec.name])
        assert any(a["Properties"]["FunctionName"] == {"Ref": fn} and a["Properties"]["Name"] == "live"
                   for a in aliases.values())


def test_workers_send_exhausted_events_to_the_failure_queue(synth):
    configs = resources(synth.hub, "AWS::Lambda::EventInvokeConfig").values()
    covered = {c["Properties"]["FunctionName"]["Ref"] for c in configs
               if c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]}
    workers = {
        synth.logical_id(synth.built.hub.functions[s.name]) for s in topology.WORKER_FUNCTIONS if not s.ml
    }
    assert workers <= covered


def test_only_listed_functions_assume_customer_roles_and_only_spothive_access_roles(synth):
    for spec in topology.ALL_FUNCTIONS:
        assumes = [s for s in _statements(synth, spec.name) if "sts:AssumeRole" in _actions(s)]
        if spec.name in ASSUMES_CUSTOMER_ROLE:
            assert [s["Resource"] for s in assumes] == [CUSTOMER_ROLE_ARN_PATTERN]
        else:
            assert assumes == []


def test_only_the_clusters_and_admin_apis_start_executions(synth):
    machines = synth.built.hub.workflows.state_machines
    expected = {"api-clusters": machines["optimization"], "api-admin": machines["live-switch"]}
    for spec in topology.ALL_FUNCTIONS:
        starts = [s for s in _statements(synth, spec.name) if "states:StartExecution" in _actions(s)]
        if spec.name in expected:
            assert [s["Resource"] for s in starts] == [{"Ref": synth.logical_id(expected[spec.name])}]
        else:
            assert starts == []


def _audit_statements(synth, name: str) -> list[dict]:
    audit = {"Fn::GetAtt": [synth.logical_id(synth.built.hub.data.table("audit-logs")), "Arn"]}
    out = []
    for statement in _statements(synth, name):
        resource = statement["Resource"]
        if audit in (resource if isinstance(resource, list) else [resource]):
            out.append(statement)
    return out


def test_no_function_may_scan(synth):
    for spec in topology.ALL_FUNCTIONS:
        for statement in _statements(synth, spec.name):
            assert "dynamodb:Scan" not in _actions(statement), spec.name


def test_audit_ledger_is_never_granted_delete(synth):
    # Given every function's policies: the ledger allows appends (Put, conditional Update of the head)
    for spec in topology.ALL_FUNCTIONS:
        for statement in _audit_statements(synth, spec.name):
            # Then nothing may delete a record, directly or through BatchWriteItem
            assert not {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:*"} & set(
                _actions(statement)), spec.name
    assert all(mode in ("r", "a") for access in TABLE_ACCESS.values()
               for table, mode in access.items() if table == "audit-logs")


def test_audited_writers_can_append_in_a_transaction(synth):
    writers = {name for name, access in TABLE_ACCESS.items() if access.get("audit-logs") == "a"}
    assert {"api-auth", "api-connect", "api-clusters", "api-config", "api-admin", "worker-discovery",
            "worker-hibernation", "opt-execute", "opt-audit"} <= writers
    for name in writers:
        granted = {a for s in _audit_statements(synth, name) for a in _actions(s)}
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
                "dynamodb:GetItem", "dynamodb:Query"} <= granted, name
    for reader in ("api-audit",):
        granted = {a for s in _audit_statements(synth, reader) for a in _actions(s)}
        assert {"dynamodb:GetItem", "dynamodb:Query"} <= granted
        assert not granted & {"dynamodb:PutItem", "dynamodb:UpdateItem"}, reader


def test_every_function_and_state_machine_has_an_alarm(synth):
    alarms = [a["Properties"] for a in resources(synth.hub, "AWS::CloudWatch::Alarm").values()]
    watched = {d["Value"]["Ref"] for a in alarms for d in a.get("Dimensions", []) if "Ref" in d["Value"]}
    for fn in synth.built.hub.functions.values():
        assert synth.logical_id(fn) in watched
    for machine in synth.built.hub.workflows.state_machines.values():
        assert synth.logical_id(machine) in watched
    assert all(a["AlarmActions"] for a in alarms)


def test_nothing_invokes_the_model_endpoint(synth):
    # The code loads models in process (S3ModelLoader); no function calls the endpoint through Lambda
    endpoints = [synth.logical_id(fn) for fn in synth.built.hub.model.functions.values()]
    for spec in topology.ALL_FUNCTIONS:
        for statement in _statements(synth, spec.name):
            if "lambda:InvokeFunction" in _actions(statement):
                assert not any(e in json.dumps(statement["Resource"]) for e in endpoints), spec.name
