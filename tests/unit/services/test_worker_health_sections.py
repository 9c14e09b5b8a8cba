"""The health report's agent backlog and hive-mind sections: exact values from kept counts and seen waves."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from spothive.domain.errors import Forbidden
from spothive.domain.tenancy import Role
from spothive.domain.worker_health import ActionBacklog, Light, RunStats
from spothive.services.hive_mind import HiveMind
from spothive.services.worker_health import Watched, WorkerHealthService
from tests.support.fakes import NOW, FixedClock, MemorySignals, SafeMode
from tests.unit.services.helpers import principal

ADMIN = principal("platform", "u-0", Role.SUPER_ADMIN)


class QuietTelemetry:
    """No runs, no failed events."""

    def function_runs(self, function: str, now: datetime) -> RunStats:
        return RunStats()

    def state_machine_runs(self, state_machine: str, now: datetime) -> RunStats:
        return RunStats()

    def running_executions(self, state_machine: str) -> int:
        return 0

    def failed_events(self, function: str) -> int:
        return 0


class Counts:
    """``ActionBacklogCounts`` answering a fixed total."""

    def __init__(self, total: ActionBacklog) -> None:
        self.total = total
        self.reads = 0

    def backlog(self) -> ActionBacklog:
        self.reads += 1
        return self.total

    def cluster_backlog(self, org_id: str, cluster_id: str) -> ActionBacklog:
        return ActionBacklog()


class History:
    """``InterruptionHistory`` over a dict of family → times."""

    def __init__(self, times: dict[str, list[datetime]]) -> None:
        self._times = times

    def record(self, family: str, at: datetime) -> None:
        self._times.setdefault(family, []).append(at)

    def times(self, family: str, since: datetime) -> list[datetime]:
        return [t for t in self._times.get(family, []) if t >= since]

    def all_times(self, since: datetime) -> dict[str, list[datetime]]:
        return {f: self.times(f, since) for f in self._times}


def service(backlog: ActionBacklog, history: History | None = None) -> tuple[WorkerHealthService, Counts]:
    counts = Counts(backlog)
    hive = HiveMind(MemorySignals(), FixedClock(NOW), history=history)
    return WorkerHealthService(QuietTelemetry(), SafeMode(False), FixedClock(NOW),
                               [Watched("worker-prices", "SVC-PRICE-01", "worker")], backlog=counts,
                               flag_ttls=hive.flag_ttls), counts


def wave(start: datetime, minutes: int) -> list[datetime]:
    """Two interruptions ``minutes`` apart: one wave of that length."""
    return [start, start + timedelta(minutes=minutes)]


def test_the_report_shows_the_agent_backlog_and_each_familys_tuned_flag_ttl():
    # Given 2 queued and 1 acknowledged agent action, and m5 interruptions in four waves (10, 20, 40, 60 min)
    # while c5 had one lone interruption
    day = NOW - timedelta(days=5)
    m5 = [t for n, minutes in enumerate((10, 20, 40, 60)) for t in wave(day + timedelta(days=n), minutes)]
    health, counts = service(ActionBacklog(queued=2, in_flight=1),
                             History({"m5": m5, "c5": [NOW - timedelta(hours=3)]}))

    report = health.report(ADMIN)

    # Then the backlog is read once and is green at 3
    assert counts.reads == 1
    assert (report.agent_actions.pending, report.agent_actions.light) == (3, Light.GREEN)
    # And m5's TTL is the p75 wave (40 min) on 4 waves; c5 keeps the 30-minute default on 1 wave
    by_family = {t.family: t for t in report.hive_mind}
    m5_ttl, c5_ttl = by_family["m5"], by_family["c5"]
    assert (m5_ttl.ttl_seconds, m5_ttl.waves, m5_ttl.events, m5_ttl.basis, m5_ttl.p75_wave_minutes) == (
        2400, 4, 8, "tuned", 40.0)
    assert m5_ttl.reason == "p75 of 4 waves is 40.0 min"
    assert (c5_ttl.ttl_seconds, c5_ttl.waves, c5_ttl.basis) == (1800, 1, "default")
    assert c5_ttl.reason == "1 wave(s) seen, 3 needed: the 30-minute default"


@pytest.mark.parametrize(("backlog", "pending", "light"), [
    (ActionBacklog(99, 0), 99, Light.GREEN),
    (ActionBacklog(60, 40), 100, Light.YELLOW),
    (ActionBacklog(500, 0), 500, Light.YELLOW),
    (ActionBacklog(400, 101), 501, Light.RED),
    (ActionBacklog(-2, 1), 1, Light.GREEN),  # a counter below zero (an action queued before counting) reads 0
])
def test_the_backlog_light_follows_the_mapping_and_sets_the_overall_status(backlog, pending, light):
    report = service(backlog)[0].report(ADMIN)

    assert (report.agent_actions.pending, report.agent_actions.light, report.status) == (pending, light, light)


def test_no_history_means_no_families_and_only_super_admins_read_it():
    health, _ = service(ActionBacklog())
    assert health.report(ADMIN).hive_mind == []
    with pytest.raises(Forbidden):
        health.report(principal())
