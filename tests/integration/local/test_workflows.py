"""Given the embedded stack, the optimization and live-switch state machines run their tasks in process."""

from __future__ import annotations

import json
import sys
import types

import pytest

from spothive.local.dispatch import HandlerRegistry
from spothive.topology import FunctionSpec

pytestmark = pytest.mark.integration


class ExecutionFailed(Exception):
    """The error a test execute step raises."""


class Recorder:
    """Test handlers that record their calls and return canned results."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []

    def returning(self, step, result):
        def handler(event, context):
            self.calls.append((step, event))
            return result
        return handler

    def raising(self, step, exc):
        def handler(event, context):
            self.calls.append((step, event))
            raise exc
        return handler

    def steps(self):
        return [step for step, _ in self.calls]

    def event(self, step):
        return next(event for name, event in self.calls if name == step)


def optimization_handlers(recorder, *, action_count=1, execute=None):
    return {
        "opt-detect": recorder.returning("detect", {"opportunities": 2}),
        "opt-risk": recorder.returning("risk", {"max_risk": 0.1}),
        "opt-decide": recorder.returning("decide", {"action_count": action_count}),
        "opt-execute": execute or recorder.returning("execute", {"done": action_count}),
        "opt-compensate": recorder.returning("compensate", {"undone": True}),
        "opt-audit": recorder.returning("audit", {"seq": 7}),
    }


def test_optimization_succeeds_through_every_step(local_stack):
    recorder = Recorder()
    with local_stack.registry.override(optimization_handlers(recorder)):
        arn = local_stack.start_execution("optimization", {"org_id": "org-1", "cluster_id": "c-1"},
                                          name="opt-success")
        described = local_stack.wait_execution(arn)

    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {
        "org_id": "org-1", "cluster_id": "c-1", "detect": {"opportunities": 2}, "risk": {"max_risk": 0.1},
        "decision": {"action_count": 1}, "execution": {"done": 1}, "audit": {"seq": 7},
    }
    assert recorder.steps() == ["detect", "risk", "decide", "execute", "audit"]
    assert recorder.event("detect") == {"org_id": "org-1", "cluster_id": "c-1"}


def test_optimization_with_nothing_to_do_skips_execute(local_stack):
    recorder = Recorder()
    with local_stack.registry.override(optimization_handlers(recorder, action_count=0)):
        described = local_stack.wait_execution(local_stack.start_execution("optimization", {"org_id": "o"}))

    assert described["status"] == "SUCCEEDED"
    assert recorder.steps() == ["detect", "risk", "decide", "audit"]


def test_failing_execute_compensates_audits_and_fails(local_stack):
    recorder = Recorder()
    handlers = optimization_handlers(
        recorder, execute=recorder.raising("execute", ExecutionFailed("node i-1 did not become Ready")))
    with local_stack.registry.override(handlers):
        described = local_stack.wait_execution(
            local_stack.start_execution("optimization", {"org_id": "org-1"}, name="opt-failure"))

    assert described["status"] == "FAILED"
    assert described["error"] == "OptimizationFailed"
    assert recorder.steps() == ["detect", "risk", "decide", "execute", "compensate", "audit"]
    audited = recorder.event("audit")
    assert audited["error"]["Error"] == "ExecutionFailed"
    assert json.loads(audited["error"]["Cause"])["errorMessage"] == "node i-1 did not become Ready"
    assert audited["compensation"] == {"undone": True}


def test_live_switch_runs_its_steps_in_order(local_stack):
    steps = []

    def switch(event, context):
        steps.append(event["step"])
        state = dict(event["state"])
        state.pop("error", None)
        return {**state, "stopped": True, "detached": True, "running": True, "healthy": True, "last": event["step"]}

    with local_stack.registry.override({"switch-step": switch}):
        described = local_stack.wait_execution(
            local_stack.start_execution("live-switch", {"instance_id": "i-1", "poll_seconds": 0}))

    assert described["status"] == "SUCCEEDED"
    assert steps == ["prepare", "stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
                     "check_running", "attach_volumes", "verify", "record"]
    assert json.loads(described["output"])["last"] == "record"


def test_direct_lambda_invoke_runs_the_handler(local_stack):
    def decide(event, context):
        return {"echo": event, "function": context.function_name,
                "left_ms": context.get_remaining_time_in_millis()}

    with local_stack.registry.override({"opt-decide": decide}):
        response = local_stack.client("lambda").invoke(FunctionName="opt-decide", Payload=b'{"a": 1}')

    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert body["echo"] == {"a": 1}
    assert body["function"] == "opt-decide"
    assert 0 < body["left_ms"] <= 60_000


def test_a_missing_handler_module_is_an_import_error(local_stack, monkeypatch):
    monkeypatch.setattr(local_stack.registry, "handler",
                        HandlerRegistry((FunctionSpec("opt-decide", "no_such_module.handler", "x"),)).handler)

    response = local_stack.client("lambda").invoke(FunctionName="opt-decide", Payload=b"{}")

    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.ImportModuleError"


def test_registry_resolves_topology_handlers_under_functions(monkeypatch):
    module = types.ModuleType("functions.local_probe")
    module.handler = lambda event, context: {"seen": event, "memory": context.memory_limit_in_mb}
    monkeypatch.setitem(sys.modules, "functions.local_probe", module)
    registry = HandlerRegistry((FunctionSpec("probe", "local_probe.handler", "probe", memory_mb=256),))

    assert registry.invoke("probe", {"x": 1}) == {"seen": {"x": 1}, "memory": 256}
    assert registry.knows("probe") and not registry.knows("other")


def test_lost_resources_are_provisioned_again(local_stack):
    sfn = local_stack.client("stepfunctions")
    sfn.delete_state_machine(stateMachineArn=local_stack.provisioned.state_machines["optimization"])

    reprovisioned = local_stack.ensure_provisioned()
    recorder = Recorder()
    with local_stack.registry.override(optimization_handlers(recorder, action_count=0)):
        described = local_stack.wait_execution(local_stack.start_execution("optimization", {"org_id": "o"}))

    assert reprovisioned is True
    assert local_stack.ensure_provisioned() is False
    assert described["status"] == "SUCCEEDED"


def test_an_event_invocation_runs_the_handler_in_the_background(local_stack):
    import threading

    done = threading.Event()
    seen = []

    def discovery(event, context):
        seen.append(event)
        done.set()

    with local_stack.registry.override({"worker-discovery": discovery}):
        response = local_stack.client("lambda").invoke(
            FunctionName="worker-discovery", InvocationType="Event",
            Payload=b'{"account_id": "111122223333"}')
        ran = done.wait(timeout=10)

    assert response["StatusCode"] == 202
    assert ran
    assert seen == [{"account_id": "111122223333"}]
