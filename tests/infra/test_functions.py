"""Given the synthesized hub, every topology function is deployed with the right shape and access."""

from __future__ import annotations

import json

import pytest

from infra.actions import actions
from infra.constants import CUSTOMER_ROLE_ARN_PATTERN
from spothive import topology
from spothive.adapters.dynamo.schema import ALL_TABLES
from spothive.topology import Access, Layer, Target
from tests.infra.conftest import resources

_SPECS = {spec.suffix: spec for spec in ALL_TABLES}


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


def test_every_topology_function_is_deployed_once(synth):
    assert set(synth.built.hub.functions) == {spec.name for spec in topology.ALL_FUNCTIONS}
    assert len(topology.ALL_FUNCTIONS) == len({spec.name for spec in topology.ALL_FUNCTIONS})


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_function_shape(synth, spec):
    props = _function(synth, spec.name)
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["arm64"]
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    env = props["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == f"spothive-{spec.name}"
    assert env["LOG_LEVEL"] == "INFO"
    assert env["SPOTHIVE_TABLE_PREFIX"] == "spothive"
    # Then only Redis users sit in the VPC and know the Redis URL
    assert ("VpcConfig" in props) is spec.needs_redis
    assert ("SPOTHIVE_REDIS_URL" in env) is spec.needs_redis
    # Then the layers are exactly the manifest's, in order: core package and deps, lightgbm, spothive_models
    hub = synth.built.hub
    by_layer = {Layer.CORE: [hub.compute.core_layer, hub.compute.deps_layer],
                Layer.ML: [hub.model.ml_layer], Layer.MODELS: [hub.model.models_layer]}
    expected = [{"Ref": synth.logical_id(v)} for layer in spec.layers for v in by_layer[layer]]
    assert props["Layers"] == expected


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_environment_is_exactly_the_declared_settings(synth, spec):
    env = _function(synth, spec.name)["Environment"]["Variables"]
    spothive = {k for k in env if k.startswith("SPOTHIVE_")}
    assert spothive == set(spec.environment())
    assert all(env[k] not in ("", None) for k in spothive)
    assert env["SPOTHIVE_REGION"] == {"Ref": "AWS::Region"}


def _resources_of(statement: dict) -> list:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_table_grants_are_exactly_the_manifest(synth, spec):
    hub = synth.built.hub
    granted: dict[str, set[str]] = {}
    for statement in _statements(synth, spec.name):
        for resource in _resources_of(statement):
            if isinstance(resource, dict) and "Fn::GetAtt" in resource and resource["Fn::GetAtt"][1] == "Arn":
                logical = resource["Fn::GetAtt"][0]
                granted.setdefault(logical, set()).update(_actions(statement))
    tables = {synth.logical_id(hub.data.table(t)): t for t in _SPECS}
    by_table = {tables[k]: v for k, v in granted.items() if k in tables}
    assert by_table == {use.table: set(actions(use.mode)) for use in spec.tables}
    # And every index of a granted table is granted with the same actions
    for use in spec.tables:
        table_id = synth.logical_id(hub.data.table(use.table))
        for index in _SPECS[use.table].indexes:
            on_index = [s for s in _statements(synth, spec.name) if any(
                isinstance(r, dict) and "Fn::Join" in r and {"Fn::GetAtt": [table_id, "Arn"]} in r["Fn::Join"][1]
                and f"/index/{index.name}" in r["Fn::Join"][1] for r in _resources_of(s))]
            assert {a for s in on_index for a in _actions(s)} == set(actions(use.mode)), (spec.name, index.name)


def _iam_grants(synth, name: str) -> set[tuple[str, str]]:
    """(action, resource) for every statement of the function but DynamoDB, S3, X-Ray, the posture's KMS keys
    and its own dead-letter queue (the Lambda service's delivery; keys and queues are tested in
    ``test_posture``). The impersonation key is a manifest grant, so it is compared like any other."""
    queue = synth.built.hub.dead_letters.get(name)
    own_queue = {"Fn::GetAtt": [synth.logical_id(queue), "Arn"]} if queue is not None else None
    impersonation = {"Fn::GetAtt": [synth.logical_id(synth.built.hub.signing.impersonation_key), "Arn"]}
    out = set()
    for statement in _statements(synth, name):
        for action in _actions(statement):
            service = action.split(":")[0]
            if service in ("dynamodb", "s3", "xray"):
                continue
            for resource in _resources_of(statement):
                if service == "kms" and resource != impersonation:
                    continue
                if not (action == "sqs:SendMessage" and resource == own_queue):
                    out.add((action, json.dumps(resource, sort_keys=True)))
    return out


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_iam_grants_are_exactly_the_manifest(synth, spec):
    hub = synth.built.hub
    expected = set()
    for grant in spec.iam:
        if grant.target is Target.CUSTOMER_ROLE:
            targets = [CUSTOMER_ROLE_ARN_PATTERN]
        elif grant.target is Target.USER_POOL:
            targets = [{"Fn::GetAtt": [synth.logical_id(hub.auth.user_pool), "Arn"]}]
        elif grant.target is Target.STATE_MACHINE:
            targets = [{"Ref": synth.logical_id(hub.workflows.state_machines[grant.name])}]
        elif grant.target is Target.DEAD_LETTER_QUEUES:
            targets = [{"Fn::GetAtt": [synth.logical_id(q), "Arn"]} for _, q in sorted(hub.dead_letters.items())]
        elif grant.target is Target.IMPERSONATION_KEY:
            targets = [{"Fn::GetAtt": [synth.logical_id(hub.signing.impersonation_key), "Arn"]}]
        elif grant.target is Target.FUNCTION:
            arn = {"Fn::GetAtt": [synth.logical_id(hub.functions[grant.name]), "Arn"]}
            targets = [arn, {"Fn::Join": ["", [arn, ":*"]]}]
        elif grant.target is Target.WEBSOCKET_API:
            targets = [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:us-east-1:",
                                          {"Ref": "AWS::AccountId"}, ":", {"Ref": synth.logical_id(hub.streams.api)},
                                          "/live/POST/@connections/*"]]}]
        elif grant.target is Target.EMAIL_IDENTITY:
            targets = [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ses:us-east-1:",
                                          {"Ref": "AWS::AccountId"}, ":identity/",
                                          {"Ref": synth.logical_id(hub.report_email.identity)}]]}]
        else:
            targets = ["*"]
        expected |= {(a, json.dumps(t, sort_keys=True)) for a in grant.actions for t in targets}
    assert _iam_grants(synth, spec.name) == expected


def test_only_api_admin_reads_the_dead_letter_queues_depth(synth):
    queues = [{"Fn::GetAtt": [synth.logical_id(q), "Arn"]} for q in synth.built.hub.dead_letters.values()]
    assert queues
    for spec in topology.API_FUNCTIONS:
        on_queue = {a for st in _statements(synth, spec.name) for q in queues if q in _resources_of(st)
                    for a in _actions(st)}
        assert on_queue == ({"sqs:GetQueueAttributes"} if spec.name == "api-admin" else set()), spec.name


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


def test_only_listed_functions_assume_customer_roles_and_only_spothive_access_roles(synth):
    assuming = {s.name for s in topology.ALL_FUNCTIONS if any(g.target is Target.CUSTOMER_ROLE for g in s.iam)}
    # api-clusters lists an account's clusters live (GET /api/clusters/discover); api-admin: the lab tags an
    # A/B test's instances with their routing tag through the customer role; opt-wave launches, scales and
    # terminates the executor's capacity there
    assert assuming == {"api-connect", "api-clusters", "worker-discovery", "worker-hibernation", "switch-step",
                        "api-admin", "opt-wave"}
    for spec in topology.ALL_FUNCTIONS:
        assumes = [s for s in _statements(synth, spec.name) if "sts:AssumeRole" in _actions(s)]
        if spec.name in assuming:
            assert [s["Resource"] for s in assumes] == [CUSTOMER_ROLE_ARN_PATTERN]
        else:
            assert assumes == []


def test_only_the_clusters_and_lab_apis_and_the_automation_start_executions(synth):
    machines = synth.built.hub.workflows.state_machines
    expected = {"api-clusters": machines["optimization"], "api-admin": machines["live-switch"],
                "worker-optimize": machines["optimization"]}
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
    assert all(use.mode in (Access.READ, Access.APPEND) for spec in topology.ALL_FUNCTIONS
               for use in spec.tables if use.table == "audit-logs")


def test_audited_writers_can_append_in_a_transaction(synth):
    writers = {s.name for s in topology.ALL_FUNCTIONS if s.table_modes().get("audit-logs") is Access.APPEND}
    # (api-audit too: an export is itself an audited action)
    assert {"api-auth", "api-connect", "api-clusters", "api-config", "api-audit", "api-admin", "worker-discovery",
            "worker-hibernation", "opt-execute", "opt-audit"} <= writers
    for name in writers:
        granted = {a for s in _audit_statements(synth, name) for a in _actions(s)}
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
                "dynamodb:GetItem", "dynamodb:Query"} <= granted, name
    readers = {s.name for s in topology.ALL_FUNCTIONS if s.table_modes().get("audit-logs") is Access.READ}
    for reader in readers:
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


def test_only_the_advisor_worker_invokes_the_model_endpoint(synth):
    # Scoring loads models in process (S3ModelLoader); the one Lambda caller of the endpoint is the Advisor
    # worker, whose asynchronous request recalibrates the served model where the ML layers are
    endpoints = [synth.logical_id(fn) for fn in synth.built.hub.model.functions.values()]
    callers = {spec.name for spec in topology.ALL_FUNCTIONS for statement in _statements(synth, spec.name)
               if "lambda:InvokeFunction" in _actions(statement)
               and any(e in json.dumps(statement["Resource"]) for e in endpoints)}
    assert callers == {"worker-advisor"}


def test_declared_settings_are_settings_the_code_reads():
    import inspect

    from pydantic_settings import BaseSettings

    from spothive import settings

    models = [m for _, m in inspect.getmembers(settings, inspect.isclass)
              if issubclass(m, BaseSettings) and m.__module__ == settings.__name__]
    fields = {name for model in models for name in model.model_fields}
    for spec in topology.ALL_FUNCTIONS:
        for variable in spec.environment():
            assert variable.removeprefix("SPOTHIVE_").lower() in fields, (spec.name, variable)
    # And the common ones are not repeated per function
    assert not any(set(spec.settings) & {*topology.COMMON_SETTINGS, topology.REDIS_SETTING}
                   for spec in topology.ALL_FUNCTIONS)
