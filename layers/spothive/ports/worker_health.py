"""Where worker and workflow runs are counted: CloudWatch, Step Functions and SQS on AWS, the local
runtime's own counters locally."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from spothive.domain.worker_health import RunStats


class RunTelemetry(Protocol):
    """Runs of functions and state machines, and the backlog behind them."""

    def function_runs(self, function: str, now: datetime) -> RunStats:
        """Invocations of the topology function ``function`` up to ``now``."""
        ...

    def state_machine_runs(self, state_machine: str, now: datetime) -> RunStats:
        """Executions of the topology state machine ``state_machine``."""
        ...

    def running_executions(self, state_machine: str) -> int: ...

    def failed_events(self, function: str) -> int:
        """``function``'s events that exhausted their retries and wait in its dead-letter queue."""
        ...
