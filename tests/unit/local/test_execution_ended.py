"""A DescribeExecution answer is final only once moto has stored what a SUCCEEDED execution returned."""

from __future__ import annotations

import pytest

from spothive.local.moto_server import execution_ended


@pytest.mark.parametrize(("described", "ended"), [
    ({"status": "RUNNING"}, False),
    # moto flips the status before it stores the output: that moment is not the end yet
    ({"status": "SUCCEEDED"}, False),
    ({"status": "SUCCEEDED", "output": "{}"}, True),
    ({"status": "FAILED", "error": "States.TaskFailed"}, True),
    ({"status": "ABORTED"}, True),
    ({"status": "TIMED_OUT"}, True),
])
def test_only_a_finished_description_ends_the_wait(described, ended):  # type: ignore[no-untyped-def]
    assert execution_ended(described) is ended
