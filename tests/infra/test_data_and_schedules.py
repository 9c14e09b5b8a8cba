"""Given the synthesized hub, tables match schema.py and rules match the topology's schedules."""

from __future__ import annotations

import pytest

from infra.constants import DEFAULT_TABLE_PREFIX
from spothive import topology
from spothive.adapters.dynamo.schema import ALL_TABLES, TableSpec
from tests.infra.conftest import resources

EXPECTED_RATES = {
    "discovery": "rate(5 minutes)",
    "prices": "rate(5 minutes)",
    "spot-advisor": "rate(6 hours)",
    "hibernation": "rate(1 minute)",
    "weekly-report": "cron(0 8 ? * MON *)",
    "automation": "rate(1 hour)",
}


def _key_schema(hash_key, range_key) -> list[dict]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


@pytest.mark.parametrize("spec", ALL_TABLES, ids=lambda s: s.suffix)
def test_table_matches_schema(synth, spec: TableSpec):
    tables = {t["Properties"]["TableName"]: t for t in resources(synth.hub, "AWS::DynamoDB::Table").values()}
    table = tables[spec.table_name(DEFAULT_TABLE_PREFIX)]
    props = table["Properties"]
    assert props["KeySchema"] == _key_schema(spec.hash_key, spec.range_key)
    assert sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ({"AttributeName": k.name, "AttributeType": k.type} for k in spec.key_attributes()),
        key=lambda a: a["AttributeName"],
    )
    indexes = {ix["IndexName"]: ix for ix in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {ix.name for ix in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == _key_schema(index.hash_key, index.range_key)
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    assert ("StreamSpecification" in props) is spec.stream
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_every_schedule_has_its_exact_rate_and_target(synth):
    assert {s.name for s in topology.SCHEDULES} == set(EXPECTED_RATES)
    rules = synth.built.hub.schedules.rules
    functions = synth.built.hub.functions
    for spec in topology.SCHEDULES:
        rule = synth.hub["Resources"][synth.logical_id(rules[spec.name])]["Properties"]
        assert rule["ScheduleExpression"] == EXPECTED_RATES[spec.name]
        assert rule["State"] == "ENABLED"
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(functions[spec.function]), "Arn"]}
        assert "DeadLetterConfig" in target


def test_spot_interruption_events_reach_the_spot_events_worker(synth):
    rule = synth.hub["Resources"][synth.logical_id(synth.built.hub.schedules.spot_events)]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation"],
    }
    (target,) = rule["Targets"]
    worker = synth.built.hub.functions["worker-spot-events"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.logical_id(worker), "Arn"]}


def test_deploy_doc_access_table_is_generated_from_the_manifest():
    from infra.manifest_report import documented, table

    assert documented() == table(), "run: python -m infra.manifest_report and paste it into docs/deploy.md"
    assert table().count("\n| `") == len(topology.ALL_FUNCTIONS)
