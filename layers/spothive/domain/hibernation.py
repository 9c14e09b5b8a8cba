"""Weekly hibernation schedules: is a cluster awake at an instant, and when does that next change.

The matrix has 168 cells, ``7 days x 24 hours`` of *local wall-clock time* in the schedule's IANA
time zone, Monday 00:00 first; ``1`` = awake, ``0`` = asleep. An instant is looked up by converting it
to local time and taking the cell of its weekday and hour. That one rule settles daylight saving time:

* a local hour that does not exist (spring forward: 02:00-03:00 on 2026-03-08 in New York) is never
  looked up, so its cell has no effect that day and the day has 23 hours;
* a local hour that happens twice (fall back: 01:00-02:00 on 2026-11-01 in New York) uses its cell
  both times, so that cell governs two real hours;
* 30-minute shifts (Australia/Lord_Howe) and offsets such as +05:30 and +05:45 need no special case:
  a cell covers whatever real time the wall clock spends in that hour.

Pre-warm wakes a cluster 30 minutes (of real time) before a scheduled wake; a manual override keeps it
awake until ``override_until``. Only the standard library is used (``zoneinfo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spothive.domain.errors import InvalidInput

HOURS_PER_WEEK = 168
PREWARM = timedelta(minutes=30)
OVERRIDE_MIN_MINUTES, OVERRIDE_MAX_MINUTES = 1, 1440
#: Every zone in use today has offsets and transitions on a quarter hour, so local hour boundaries
#: (and boundaries minus the pre-warm lead) all fall on a 15-minute grid of real time.
_GRID = timedelta(minutes=15)
_HORIZON = timedelta(days=8)

AWAKE = "awake"
ASLEEP = "asleep"


@dataclass(frozen=True, slots=True)
class Transition:
    """The next change of state: at ``at`` (UTC) the cluster becomes ``state``."""

    at: datetime
    state: str


def validate_matrix(values: Sequence[object]) -> tuple[int, ...]:
    """168 cells of 0/1; ``InvalidInput`` naming ``schedule_matrix`` (or the bad cell) otherwise."""
    if len(values) != HOURS_PER_WEEK:
        raise InvalidInput(
            f"schedule_matrix must have {HOURS_PER_WEEK} values (7 days x 24 hours), got {len(values)}",
            field="schedule_matrix",
        )
    for index, value in enumerate(values):
        if isinstance(value, bool) or value not in (0, 1):
            raise InvalidInput(
                f"schedule_matrix[{index}] must be 0 (asleep) or 1 (awake), got {value!r}",
                field=f"schedule_matrix.{index}",
            )
    return tuple(int(v) for v in values)  # type: ignore[call-overload]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``InvalidInput`` naming ``timezone`` when unknown."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a tzdata folder ("Europe"), too long
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)",
                           field="timezone") from exc


def validate_override_minutes(minutes: int) -> int:
    """A manual wake of 1 to 1440 minutes; ``InvalidInput`` naming ``duration_minutes`` otherwise."""
    if not OVERRIDE_MIN_MINUTES <= minutes <= OVERRIDE_MAX_MINUTES:
        raise InvalidInput("duration_minutes must be between 1 and 1440", field="duration_minutes")
    return minutes


def cell(tz: ZoneInfo | str, t: datetime) -> int:
    """Index (0-167) of the matrix cell governing instant ``t``: local weekday x 24 + local hour."""
    local = _aware(t).astimezone(tz if isinstance(tz, ZoneInfo) else zone(tz))
    return local.weekday() * 24 + local.hour


def scheduled_awake(schedule: Sequence[int], tz: ZoneInfo | str, t: datetime) -> bool:
    """What the matrix alone says about instant ``t``."""
    return schedule[cell(tz, t)] == 1


def awake_at(
    schedule: Sequence[int],
    tz: ZoneInfo | str,
    t: datetime,
    prewarm: bool = False,
    override_until: datetime | None = None,
) -> bool:
    """Whether the cluster should be awake at instant ``t`` (timezone-aware)."""
    t = _aware(t)
    if override_until is not None and t < _aware(override_until):
        return True
    zi = tz if isinstance(tz, ZoneInfo) else zone(tz)
    if scheduled_awake(schedule, zi, t):
        return True
    return prewarm and scheduled_awake(schedule, zi, t + PREWARM)


def next_transition(
    schedule: Sequence[int],
    tz: ZoneInfo | str,
    t: datetime,
    prewarm: bool = False,
    override_until: datetime | None = None,
) -> Transition | None:
    """The first instant after ``t`` at which ``awake_at`` changes, within 8 days; ``None`` if never."""
    t = _aware(t)
    zi = tz if isinstance(tz, ZoneInfo) else zone(tz)
    current = awake_at(schedule, zi, t, prewarm, override_until)
    candidates = _grid_after(t)
    if override_until is not None and _aware(override_until) > t:
        candidates.append(_aware(override_until))
        candidates.sort()
    for moment in candidates:
        state = awake_at(schedule, zi, moment, prewarm, override_until)
        if state != current:
            return Transition(moment.astimezone(UTC), AWAKE if state else ASLEEP)
    return None


def _grid_after(t: datetime) -> list[datetime]:
    utc = t.astimezone(UTC)
    first = utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0) + _GRID
    steps = int(_HORIZON / _GRID)
    return [first + i * _GRID for i in range(steps)]


def _aware(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return t


@dataclass(frozen=True, slots=True)
class NodegroupSize:
    """A managed node group's scaling configuration."""

    min_size: int
    max_size: int
    desired_size: int


@dataclass(frozen=True, slots=True)
class HibernationRecord:
    """A cluster's stored schedule and what the worker last decided and applied."""

    org_id: str
    cluster_id: str
    matrix: tuple[int, ...]
    timezone: str
    prewarm: bool
    enabled: bool
    version: int
    override_until: datetime | None = None
    desired_state: str | None = None  # "awake" | "asleep"; None until the worker first looks
    applied_state: str | None = None  # "awake" | "asleep" | "dry_run" | "failed"
    saved_sizes: dict[str, NodegroupSize] = field(default_factory=dict)
    state_changed_at: datetime | None = None
    updated_at: datetime | None = None
    target: str = "eks-nodegroup"  # a ``hibernation_targets.TargetKind`` value
    hibernate: bool = False  # stand-alone EC2: hibernate (not just stop) instances configured for it
    saved_processes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ASG → processes SpotHive suspended
    saved_instances: tuple[str, ...] = ()  # "region/instance-id" SpotHive stopped
    saved_limits: dict[str, dict[str, str | int | float]] = field(default_factory=dict)  # Karpenter NodePool → spec.limits
    action_id: str | None = None  # the agent action a Karpenter transition waits for
    last_error: str | None = None  # why the last transition failed (cleared when one succeeds)

    def to_doc(self) -> dict[str, Any]:
        """The settings a user controls, for the audit ledger."""
        return {
            "cluster_id": self.cluster_id,
            "schedule_matrix": "".join(str(v) for v in self.matrix),
            "timezone": self.timezone,
            "prewarm": self.prewarm,
            "enabled": self.enabled,
            "target": self.target,
            "hibernate": self.hibernate,
            "override_until": self.override_until.isoformat() if self.override_until else None,
            "version": self.version,
        }
