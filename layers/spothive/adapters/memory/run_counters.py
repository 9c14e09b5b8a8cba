"""The local runtime's own run counters: every handler the local stack dispatches is counted here.

The local stack runs every function in one process (the ticker, moto's Step Functions tasks and async
invokes all go through ``local.dispatch.HandlerRegistry.invoke``), so one in-process tally sees them all.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from spothive.domain.worker_health import RunStats

#: Runs remembered per function (enough for an hour of the 1-minute hibernation worker).
KEEP = 240


class RunCounters:
    """Per function: when each run ended and whether it succeeded."""

    def __init__(self) -> None:
        self._runs: dict[str, deque[tuple[datetime, bool]]] = {}
        self._lock = threading.Lock()

    def record(self, function: str, at: datetime, ok: bool) -> None:
        """Count one run of ``function``."""
        with self._lock:
            self._runs.setdefault(function, deque(maxlen=KEEP)).append((at, ok))

    def stats(self, function: str, now: datetime) -> RunStats:
        """Last run, last success and the last hour's runs and failures of ``function``."""
        with self._lock:
            runs = list(self._runs.get(function, ()))
        hour = now - timedelta(hours=1)
        recent = [(at, ok) for at, ok in runs if at >= hour]
        return RunStats(
            last_run=max((at for at, _ in runs), default=None),
            last_success=max((at for at, ok in runs if ok), default=None),
            failures_last_hour=sum(1 for _, ok in recent if not ok),
            runs_last_hour=len(recent),
        )

    def clear(self) -> None:
        """Forget every run."""
        with self._lock:
            self._runs.clear()


#: The local process's counters.
RUNS = RunCounters()
