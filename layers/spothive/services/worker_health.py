"""``GET /api/admin/health/workers``: every scheduled worker and state machine, global SAFE_MODE, the agents'
unfinished actions (kept counts, one read) and the hive mind's tuned flag TTLs with their evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spothive.domain.errors import Forbidden
from spothive.domain.flag_ttl import FlagTtl
from spothive.domain.identity import Principal
from spothive.domain.worker_health import ActionBacklog, Light, WorkerHealth
from spothive.ports.agents import ActionBacklogCounts
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
    """The rows, the agents' action backlog, the hive mind's flag TTLs, and whether global SAFE_MODE is on."""

    workers: list[WorkerHealth]
    safe_mode: bool
    agent_actions: ActionBacklog | None = None
    hive_mind: list[FlagTtl] = field(default_factory=list)

    @property
    def status(self) -> Light:
        """The worst traffic light of any row and of the agents' backlog."""
        order = [Light.GREEN, Light.YELLOW, Light.RED]
        lights = [w.light for w in self.workers] + ([self.agent_actions.light] if self.agent_actions else [])
        return max(lights, key=order.index, default=Light.GREEN)


class WorkerHealthService:
    """Reads each watched worker's runs and backlog through :class:`RunTelemetry`."""

    def __init__(self, telemetry: RunTelemetry, safe_mode: SafeModeFlag, clock: Clock,
                 watched: Sequence[Watched], *, backlog: ActionBacklogCounts | None = None,
                 flag_ttls: Callable[[], Sequence[FlagTtl]] | None = None) -> None:
        self._backlog = backlog
        self._flag_ttls = flag_ttls
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
        return HealthReport(rows, self._safe_mode.is_on(),
                            self._backlog.backlog() if self._backlog is not None else None,
                            list(self._flag_ttls()) if self._flag_ttls is not None else [])
