"""Given both templates: the customer role, no admin wildcards, cdk-nag and cfn-lint are clean."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from cfnlint.api import lint_file

from infra.constants import CUSTOMER_TEMPLATE_PATH
from infra.write_customer_template import render


def _policy_statements(template: dict):
    """(logical id, statement) for every identity and resource policy in ``template``."""
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [props.get("PolicyDocument")]
        inline = props.get("Policies", []) if resource["Type"] == "AWS::IAM::Role" else []
        documents += [p.get("PolicyDocument") for p in inline]
        for document in filter(None, documents):
            for statement in document["Statement"]:
                yield logical, statement


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_customer_role_trusts_the_hub_only_with_the_external_id(synth):
    role = synth.customer["Resources"][synth.logical_id(synth.built.customer.role)]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert {"Ref": "HubAccountId"} in trust["Principal"]["AWS"]["Fn::Join"][1]
    external_id = synth.customer["Parameters"]["ExternalId"]
    assert "Default" not in external_id
    assert external_id["NoEcho"] is False
    assert external_id["MinLength"] >= 16
    assert role["Properties"]["RoleName"] == {"Ref": "RoleName"}
    assert synth.customer["Parameters"]["RoleName"]["Default"] == "SpotHiveAccess"
    assert "ManagedPolicyArns" not in role["Properties"]


def test_customer_writes_are_tag_conditioned(synth):
    writes = {"ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:DetachVolume",
              "ec2:AttachVolume", "autoscaling:UpdateAutoScalingGroup", "autoscaling:SetDesiredCapacity",
              "eks:UpdateNodegroupConfig", "ec2:CreateTags", "ec2:CreateSnapshot", "ec2:DeleteTags"}
    found = set()
    for _, statement in _policy_statements(synth.customer):
        actions = set(_as_list(statement["Action"]))
        if actions & writes:
            found |= actions & writes
            assert statement.get("Condition"), statement["Sid"]
            assert statement["Resource"] != "*"
    assert found == writes


#: What the live switch calls through the customer role (``spothive.adapters.aws.ec2_switch``).
LIVE_SWITCH_CALLS = {"ec2:DescribeInstances", "ec2:StopInstances", "ec2:StartInstances", "ec2:CreateSnapshot",
                     "ec2:RunInstances", "ec2:CreateTags", "ec2:DescribeInstanceAttribute", "ec2:DescribeVolumes",
                     "ec2:DescribeInstanceStatus", "ec2:DetachVolume", "ec2:AttachVolume",
                     "ec2:TerminateInstances"}


def _allows(statement: dict, action: str) -> bool:
    return any(granted == action or (granted.endswith("*") and action.startswith(granted[:-1]))
               for granted in _as_list(statement["Action"]))


def test_customer_role_permits_the_live_switch_and_hibernation_calls(synth):
    statements = [s for _, s in _policy_statements(synth.customer)]
    for action in LIVE_SWITCH_CALLS | {"eks:ListNodegroups", "eks:DescribeNodegroup", "eks:UpdateNodegroupConfig"}:
        assert any(_allows(s, action) for s in statements), action
    by_sid = {s["Sid"]: s for s in statements if "Sid" in s}
    # New instances and their volumes must carry spothive:managed=true from the first moment
    launch = by_sid["LaunchManagedOnly"]
    assert launch["Condition"] == {"StringEquals": {"aws:RequestTag/spothive:managed": "true"}}
    # Snapshots only of managed or EKS-node volumes of this account
    snapshots = [s for s in statements if "ec2:CreateSnapshot" in _as_list(s["Action"])]
    assert {s["Sid"] for s in snapshots} == {"SnapshotManagedVolumes", "SnapshotEksNodeVolumes", "NewSnapshots"}
    assert all(s["Condition"] for s in snapshots)


def test_no_wildcard_admin_statement_anywhere(synth):
    for template in (synth.hub, synth.customer):
        for logical, statement in _policy_statements(template):
            actions = set(_as_list(statement.get("Action", [])))
            if statement.get("Effect") == "Allow" and "*" in _as_list(statement.get("Resource")):
                assert not actions & {"*", "*:*"}, logical
        for resource in template["Resources"].values():
            for arn in resource.get("Properties", {}).get("ManagedPolicyArns", []):
                assert "AdministratorAccess" not in json.dumps(arn)


def test_cdk_nag_reports_no_unacknowledged_errors(synth):
    report = synth.outdir / "validation-report.json"
    if not report.exists():
        return
    violations = [
        (v["ruleName"], c["constructPath"])
        for plugin in json.loads(report.read_text())["pluginReports"]
        for v in plugin["violations"]
        if v.get("severity") == "error"
        for c in v["violatingConstructs"]
    ]
    assert violations == []


def test_every_acknowledged_rule_carries_a_reason(synth):
    acknowledged = {}
    for construct in synth.built.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                acknowledged.update({f"{construct.node.path} {k}": v for k, v in entry.data.items()})
    assert len(acknowledged) > 10
    assert all(isinstance(reason, str) and len(reason) >= 30 for reason in acknowledged.values())


def test_cfn_lint_finds_no_errors(synth):
    errors = []
    for name in (synth.built.hub.stack_name, synth.built.customer.stack_name):
        for match in lint_file(Path(synth.outdir / f"{name}.template.json")):
            if match.rule.id.startswith("E"):
                errors.append(str(match))
    assert errors == []


def test_committed_customer_template_is_a_fresh_synth(synth):
    assert CUSTOMER_TEMPLATE_PATH.read_text(encoding="utf-8") == render(synth.customer), (
        "run: python app.py --customer-template-out layers/spothive/data/customer-role.template.json"
    )


def test_print_synth_time_and_resource_counts(synth, capsys):
    with capsys.disabled():
        print(f"\nsynth (no asset staging) {synth.seconds:.1f} s")
        for name, template in (("SpotHiveHub", synth.hub), ("SpotHiveCustomer", synth.customer)):
            counts = Counter(r["Type"] for r in template["Resources"].values())
            print(f"{name}: {sum(counts.values())} resources, {len(counts)} types")
    assert synth.hub["Resources"] and synth.customer["Resources"]


def test_customer_reads_are_listed_one_by_one_without_describe_wildcards(synth):
    # Given the customer role's read statement
    role = next(r for r in synth.customer["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (read,) = [s for s in statements if s.get("Sid") == "ReadInventory"]
    # Then no action is a wildcard (ec2:Describe* would also read instance user data)
    assert not [a for a in read["Action"] if "*" in a]
    assert "ec2:DescribeInstanceAttribute" not in read["Action"]
    assert {"ec2:DescribeInstances", "eks:ListClusters", "autoscaling:DescribeAutoScalingGroups"} <= set(read["Action"])
    # And user data is readable only of the instances SpotHive may stop: managed ones and EKS nodes
    user_data = [s for s in statements if "ec2:DescribeInstanceAttribute" in _as_list(s["Action"])]
    assert {s["Sid"] for s in user_data} == {"UserDataOfManagedInstances", "UserDataOfEksNodes"}
    assert all(s["Condition"] and s["Resource"] != "*" for s in user_data)


def test_the_model_routing_tag_is_the_only_tag_settable_on_existing_instances(synth):
    statements = [s for _, s in _policy_statements(synth.customer)]
    (routing,) = [s for s in statements if s.get("Sid") == "ModelRoutingTag"]
    # And a request naming no tag key (a DeleteTags without Tags removes every tag) is not allowed either
    assert routing["Condition"] == {"ForAllValues:StringEquals": {"aws:TagKeys": ["spothive:model"]},
                                    "Null": {"aws:TagKeys": "false"}}


def test_pass_role_reaches_only_the_listed_node_roles(synth):
    # Given the customer template's NodeRoleNames parameter and PassRole statement
    params = synth.customer["Parameters"]
    assert params["NodeRoleNames"]["Type"] == "CommaDelimitedList"
    assert params["NodeRoleNames"]["Default"] == "SpotHiveNoNodeRoleConfigured"
    role = next(r for r in synth.customer["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (passing,) = [s for s in statements if s.get("Sid") == "PassNodeRole"]
    # Then every resource is one exact role name from the list (no wildcard anywhere)
    assert "*" not in json.dumps(passing["Resource"])
    assert len(passing["Resource"]) == 8
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
