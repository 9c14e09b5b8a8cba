"""``GET /api/admin/health/workers``: every scheduled worker and state machine, and global SAFE_MODE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spothive.domain.errors import Forbidden
from spothive.domain.identity import Principal
from spothive.domain.worker_health import Light, WorkerHealth
from spothive.ports.clock import Clock
from spothive.ports.safety import SafeModeFlag
from spothive.ports.worker_health import RunTelemetry


@dataclass(frozen=True, slots=True)
class Watched:
    """A worker (topology function) or state machine to report, with its mapping component id."""

    name: str
    component_id: str
    kind: str  # "worker" | "state-machine"


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The rows, the worst light among them, and whether global SAFE_MODE is on."""

    workers: list[WorkerHealth]
    safe_mode: bool

    @property
    def status(self) -> Light:
        """The worst traffic light of any row."""
        order = [Light.GREEN, Light.YELLOW, Light.RED]
        return max((w.light for w in self.workers), key=order.index, default=Light.GREEN)


class WorkerHealthService:
    """Reads each watched worker's runs and backlog through :class:`RunTelemetry`."""

    def __init__(self, telemetry: RunTelemetry, safe_mode: SafeModeFlag, clock: Clock,
                 watched: Sequence[Watched]) -> None:
        self._telemetry = telemetry
        self._safe_mode = safe_mode
        self._clock = clock
        self._watched = tuple(watched)

    def report(self, admin: Principal) -> HealthReport:
        """One row per watched worker; a worker's backlog is its dead-letter queue's depth."""
        if not admin.is_admin:
            raise Forbidden("super_admin role required")
        now = self._clock.now()
        rows = []
        for w in self._watched:
            if w.kind == "state-machine":
                stats = self._telemetry.state_machine_runs(w.name, now)
                rows.append(WorkerHealth(w.name, w.component_id, w.kind, stats,
                                         self._telemetry.running_executions(w.name), "running-executions"))
            else:
                stats = self._telemetry.function_runs(w.name, now)
                rows.append(WorkerHealth(w.name, w.component_id, w.kind, stats, self._telemetry.failed_events(w.name),
                                         "failed-events"))
        return HealthReport(rows, self._safe_mode.is_on())
