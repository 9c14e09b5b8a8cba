"""Local ticks in place of EventBridge: fire each schedule's handler on its cadence.

moto stores the rules but never fires them, so this thread does, with the payload EventBridge sends
for a scheduled rule. The clock is injectable and :class:`ScaledClock` runs time faster for tests and
demos. A failing handler is logged and the ticker carries on.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from spothive.topology import ScheduleSpec

LOG = logging.getLogger("spothive.local.ticker")

Clock = Callable[[], datetime]
Invoke = Callable[[str, dict[str, Any]], Any]


def utc_now() -> datetime:
    """The wall clock, aware (UTC)."""
    return datetime.now(UTC)


class ScaledClock:
    """A UTC clock that runs ``speed`` times faster than real time from ``start``."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        self.speed = speed
        self._start = start or utc_now()
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)


def scheduled_event(rule_arn: str, when: datetime, region: str = "us-east-1",
                    account: str = "123456789012") -> dict[str, Any]:
    """The event EventBridge delivers to a scheduled rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


@dataclass
class Run:
    """One firing of a schedule and how it ended."""

    schedule: str
    function: str
    at: datetime
    ok: bool
    result: Any = None
    error: str = ""


@dataclass
class _Due:
    spec: ScheduleSpec
    next_at: datetime
    runs: int = 0


@dataclass
class Ticker:
    """Fires ``invoke(function, event)`` for every schedule when it falls due.

    ``tick(now)`` is deterministic (tests drive it directly); ``start()`` runs it in a thread, polling
    ``poll_seconds`` of real time. With ``run_at_start`` every schedule fires on the first tick.
    """

    schedules: Iterable[ScheduleSpec]
    invoke: Invoke
    rule_arns: dict[str, str] = field(default_factory=dict)
    clock: Clock = utc_now
    poll_seconds: float = 1.0
    run_at_start: bool = True
    region: str = "us-east-1"
    account: str = "123456789012"
    on_run: Callable[[Run], None] | None = None
    history_limit: int = 200

    def __post_init__(self) -> None:
        self.schedules = tuple(self.schedules)
        self.history: list[Run] = []
        self._due: dict[str, _Due] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_error: dict[str, str] = {}

    def _arn(self, spec: ScheduleSpec) -> str:
        return self.rule_arns.get(
            spec.name, f"arn:aws:events:{self.region}:{self.account}:rule/spothive-{spec.name}")

    def tick(self, now: datetime | None = None) -> list[Run]:
        """Fire every schedule due at ``now`` (once each, even if several periods were missed)."""
        now = now or self.clock()
        with self._lock:
            if self._due is None:
                self._due = {
                    s.name: _Due(s, now if self.run_at_start else now + timedelta(minutes=s.minutes))
                    for s in self.schedules
                }
            due = [d for d in self._due.values() if d.next_at <= now]
            for entry in due:
                period = timedelta(minutes=entry.spec.minutes)
                while entry.next_at <= now:
                    entry.next_at += period
                entry.runs += 1
        return [self._fire(entry.spec, now) for entry in due]

    def _fire(self, spec: ScheduleSpec, now: datetime) -> Run:
        event = scheduled_event(self._arn(spec), now, self.region, self.account)
        try:
            result = self.invoke(spec.function, event)
        except Exception as exc:
            run = Run(spec.name, spec.function, now, ok=False, error=f"{type(exc).__name__}: {exc}")
            # The same failure again (a handler not written yet, a service down) is logged once.
            repeated = self._last_error.get(spec.name) == run.error
            self._last_error[spec.name] = run.error
            LOG.log(logging.DEBUG if repeated else logging.WARNING, "schedule %s → %s failed: %s",
                    spec.name, spec.function, run.error)
        else:
            run = Run(spec.name, spec.function, now, ok=True, result=result)
            self._last_error.pop(spec.name, None)
            LOG.info("schedule %s → %s: %s", spec.name, spec.function, _short(result))
        with self._lock:
            self.history.append(run)
            del self.history[: -self.history_limit]
        if self.on_run is not None:
            try:
                self.on_run(run)
            except Exception:
                LOG.exception("on_run callback failed")
        return run

    def start(self) -> Ticker:
        """Run :meth:`tick` in a daemon thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="spothive-ticker", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                LOG.exception("ticker iteration failed")
            self._stop.wait(self.poll_seconds)

    def stop(self) -> None:
        """Stop the thread and wait for the run in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
