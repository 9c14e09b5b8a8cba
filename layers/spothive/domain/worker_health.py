"""Worker and workflow health for the platform owner (CORE-API health_service): runs and traffic lights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: The mapping's traffic light on backlog: green below 100, yellow 100 to 500, red above 500.
YELLOW_AT = 100
RED_ABOVE = 500


class Light(StrEnum):
    """A backlog's traffic light."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def traffic_light(backlog: int) -> Light:
    """Green < 100, yellow 100 to 500, red > 500."""
    if backlog > RED_ABOVE:
        return Light.RED
    return Light.YELLOW if backlog >= YELLOW_AT else Light.GREEN


@dataclass(frozen=True, slots=True)
class RunStats:
    """What the runtime knows of a worker's or state machine's recent runs."""

    last_run: datetime | None = None
    last_success: datetime | None = None
    failures_last_hour: int = 0
    runs_last_hour: int = 0


@dataclass(frozen=True, slots=True)
class WorkerHealth:
    """One scheduled worker or state machine."""

    name: str
    component_id: str
    kind: str  # "worker" | "state-machine"
    stats: RunStats
    backlog: int
    backlog_kind: str  # what backlog counts: "failed-events" | "running-executions"

    @property
    def light(self) -> Light:
        """The traffic light of the backlog."""
        return traffic_light(self.backlog)


@dataclass(frozen=True, slots=True)
class ActionBacklog:
    """Agent actions not yet finished: ``queued`` (no agent took them) and ``in_flight`` (acknowledged,
    no result yet), as the enqueue, acknowledge, result and withdraw paths count them."""

    queued: int = 0
    in_flight: int = 0

    @property
    def pending(self) -> int:
        """Every unfinished action; a counter below zero (an action queued before counting began) reads 0."""
        return max(0, self.queued) + max(0, self.in_flight)

    @property
    def light(self) -> Light:
        """The traffic light of :attr:`pending`."""
        return traffic_light(self.pending)
