"""Given the synthesized hub, the state machines are the ASL files with the Lambda ARNs substituted."""

from __future__ import annotations

import json

import pytest

from spothive import topology


def _render(definition: object) -> str:
    """The DefinitionString with each ``Fn::GetAtt [id, Arn]`` written as ``ARN(id)``."""
    if isinstance(definition, str):
        return definition
    if "Fn::Join" in definition:
        sep, parts = definition["Fn::Join"]
        return sep.join(_render(part) for part in parts)
    if "Fn::GetAtt" in definition:
        return f"ARN({definition['Fn::GetAtt'][0]})"
    raise AssertionError(f"unexpected intrinsic {definition}")


@pytest.mark.parametrize("spec", topology.STATE_MACHINES, ids=lambda s: s.name)
def test_definition_is_the_asl_with_function_arns(synth, spec):
    machine = synth.built.hub.workflows.state_machines[spec.name]
    props = synth.hub["Resources"][synth.logical_id(machine)]["Properties"]
    # CloudFormation replaces each ${Placeholder} with its DefinitionSubstitutions value at deploy time
    substitutions = {key: _render(value) for key, value in props["DefinitionSubstitutions"].items()}
    assert set(substitutions) == set(spec.tasks)
    text = _render(props["DefinitionString"])
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    deployed = json.loads(text)
    source = json.loads(spec.definition())
    assert deployed["StartAt"] == source["StartAt"]
    assert set(deployed["States"]) == set(source["States"])
    tasks = 0
    for name, state in source["States"].items():
        live = deployed["States"][name]
        if state["Type"] != "Task":
            assert live == state
            continue
        tasks += 1
        if state["Resource"].startswith("arn:aws:states:::lambda:invoke"):  # a task-token wait names its function
            placeholder = state["Parameters"]["FunctionName"].removeprefix("${").removesuffix("}")
            function = synth.built.hub.functions[spec.tasks[placeholder]]
            assert live["Resource"] == state["Resource"]
            assert live["Parameters"]["FunctionName"] == f"ARN({synth.logical_id(function)})"
            assert {k: v for k, v in live["Parameters"].items() if k != "FunctionName"} == {
                k: v for k, v in state["Parameters"].items() if k != "FunctionName"}
            continue
        placeholder = state["Resource"].removeprefix("${").removesuffix("}")
        function = synth.built.hub.functions[spec.tasks[placeholder]]
        assert live["Resource"] == f"ARN({synth.logical_id(function)})"
        assert {k: v for k, v in live.items() if k != "Resource"} == {
            k: v for k, v in state.items() if k != "Resource"
        }
    assert tasks > 0
    assert "${" not in json.dumps(deployed)
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"


@pytest.mark.parametrize("spec", topology.STATE_MACHINES, ids=lambda s: s.name)
def test_state_machine_may_invoke_only_its_own_functions(synth, spec):
    machine = synth.built.hub.workflows.state_machines[spec.name]
    role = synth.hub["Resources"][synth.logical_id(machine)]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    invoked = []
    for resource in synth.hub["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in resource["Properties"]["Roles"]:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Action"] == "lambda:InvokeFunction":
                    targets = statement["Resource"]
                    invoked += targets if isinstance(targets, list) else [targets]
    expected = {synth.logical_id(synth.built.hub.functions[name]) for name in spec.tasks.values()}
    assert {t["Fn::GetAtt"][0] for t in invoked} == expected
