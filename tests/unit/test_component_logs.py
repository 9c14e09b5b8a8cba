"""The system mapping's component trace, ``[COMPONENT-ID] [ACTION] [RESULT] [DURATION]``, as structured
fields on the Powertools logger, for a block, a failing block and the handlers of workers and steps."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from spothive.components import COMPONENT_IDS
from spothive.observability import format_duration, logger, traced


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The Powertools logger's JSON lines, written to a buffer for the test."""
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    logger.registered_handler.setStream(previous)  # type: ignore[attr-defined]


def _traces(buffer: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if "component_id" in line]


def test_a_block_logs_its_component_action_result_and_duration(logs: io.StringIO) -> None:
    with traced("MOD-SPOT-01", "SELECT-INSTANCE"):
        pass
    (line,) = _traces(logs)
    assert (line["component_id"], line["action"], line["result"]) == ("MOD-SPOT-01", "SELECT-INSTANCE", "SUCCESS")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"].startswith("[MOD-SPOT-01] [SELECT-INSTANCE] [SUCCESS] [")
    assert line["level"] == "INFO"


def test_a_failure_is_logged_at_error_level_and_raised(logs: io.StringIO) -> None:
    with pytest.raises(TimeoutError), traced("CORE-EXEC", "LAUNCH-SPOT"):
        raise TimeoutError("boom")
    (line,) = _traces(logs)
    assert (line["result"], line["level"], line["error_type"]) == ("FAILURE", "ERROR", "TimeoutError")


def test_a_step_can_report_a_dry_run(logs: io.StringIO) -> None:
    with traced("CORE-EXEC", "EXECUTE-PLAN") as step:
        step.result = "DRYRUN"
    assert _traces(logs)[0]["message"].startswith("[CORE-EXEC] [EXECUTE-PLAN] [DRYRUN]")


@pytest.mark.parametrize(("ms", "text"), [(12.4, "12ms"), (999.4, "999ms"), (4200.0, "4.2s"), (1800.0, "1.8s")])
def test_durations_read_as_the_mapping_writes_them(ms: float, text: str) -> None:
    assert format_duration(ms) == text


class _Steps:
    """Stands in for the optimization steps: ``decide`` approves nothing, ``execute`` is a dry run."""

    def decide(self, ids: Any) -> dict[str, Any]:
        return {"action_count": 0, "blocked_count": 1}

    def execute(self, ids: Any) -> dict[str, Any]:
        return {"mode": "dry_run", "recorded": 2}


def test_workflow_step_handlers_log_their_component(logs: io.StringIO) -> None:
    import functions.optimization_steps as steps
    from spothive.wiring import optimization

    optimization.steps.set_override(_Steps())
    event = {"org_id": "org-1", "cluster_id": "c-1", "job_id": "job-1"}
    steps.decide(event)
    steps.execute(event)
    traces = _traces(logs)
    assert [(t["component_id"], t["action"], t["result"]) for t in traces] == [
        (COMPONENT_IDS["opt-decide"], "RESOLVE-CONFLICTS", "SUCCESS"),
        (COMPONENT_IDS["opt-execute"], "EXECUTE-PLAN", "DRYRUN"),
    ]
    assert all(t.get("correlation_id") == "job-1" for t in traces)


def test_every_scheduled_worker_names_its_mapping_component() -> None:
    import importlib
    import inspect

    from spothive import topology

    for schedule in topology.SCHEDULES:
        module = importlib.import_module("functions." + topology.function(schedule.function).handler.split(".")[0])
        assert f'component=("{COMPONENT_IDS[schedule.function]}", ' in inspect.getsource(module), schedule.function


def test_what_is_logged_after_a_handler_returns_carries_none_of_its_context(logs: io.StringIO) -> None:
    import functions.optimization_steps as steps
    from spothive.wiring import optimization

    # Given a step handler that ran in this process with the job's correlation id
    optimization.steps.set_override(_Steps())
    steps.decide({"org_id": "org-1", "cluster_id": "c-1", "job_id": "job-7"})
    # When the process logs something afterwards (the local stack's API, ticker or another thread)
    logger.info("between invocations")
    # Then that line has neither the job's correlation id nor the handler's Lambda context
    (line,) = [json.loads(x) for x in logs.getvalue().splitlines() if "between invocations" in x]
    assert "correlation_id" not in line and "function_request_id" not in line
    assert "cold_start" not in line
