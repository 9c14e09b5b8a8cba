"""Hive-mind risk signals (SVC-RISK-GLB): what one tenant's Spot warning tells every other tenant.

An EC2 Spot interruption warning flags its pool ``RISK:{zone}:{type}`` as ``DANGER``; a rebalance
recommendation flags it ``WARN``. Flags carry no tenant data: the pool, a level, a count of distinct
interruptions in the sliding window and when the pool was last seen in trouble. Pure: stdlib only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from spothive.domain.errors import InvalidInput
from spothive.domain.pricing import risk_flag_key

INTERRUPTION_DETAIL = "EC2 Spot Instance Interruption Warning"
REBALANCE_DETAIL = "EC2 Instance Rebalance Recommendation"
#: A WARN (rebalance) pool is at least this risky when scored: CAUTION, above the default spot budget.
WARN_PROBABILITY_FLOOR = 0.35

_AZ_NAME = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+(?:-[a-z]+-\d+)?[a-z]$")
_AZ_ID = re.compile(r"^[a-z]{2,4}\d+-az\d+$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
_ACCOUNT = re.compile(r"^\d{12}$")


class FlagLevel(StrEnum):
    """How bad a flagged pool is; DANGER outranks WARN and is never downgraded by one."""

    WARN = "WARN"
    DANGER = "DANGER"


class SignalKind(StrEnum):
    """Where the signal came from."""

    INTERRUPTION = "interruption"
    REBALANCE = "rebalance"

    @property
    def level(self) -> FlagLevel:
        """The flag this kind of signal raises."""
        return FlagLevel.DANGER if self is SignalKind.INTERRUPTION else FlagLevel.WARN


@dataclass(frozen=True, slots=True)
class SpotSignal:
    """A parsed warning; ``zone``/``instance_type`` are ``None`` until resolved from the inventory."""

    kind: SignalKind
    instance_id: str | None
    region: str | None
    aws_account: str | None
    zone: str | None
    instance_type: str | None
    observed_at: datetime

    @property
    def resolved(self) -> bool:
        """True once the pool (zone and type) is known."""
        return bool(self.zone and self.instance_type)


@dataclass(frozen=True, slots=True)
class PoolSignal:
    """What reaches the shared cache: a pool, a level and an anonymous de-duplication member."""

    zone: str
    instance_type: str
    kind: SignalKind
    observed_at: datetime
    member: str

    @property
    def key(self) -> str:
        """``RISK:{zone}:{type}``."""
        return risk_flag_key(self.zone, self.instance_type)


@dataclass(frozen=True, slots=True)
class PoolFlag:
    """A live flag as read back: level, interruptions in the window, last time seen."""

    zone: str
    instance_type: str
    level: FlagLevel
    count: int = 0
    last_seen: str | None = None

    @property
    def key(self) -> str:
        """``RISK:{zone}:{type}``."""
        return risk_flag_key(self.zone, self.instance_type)

    def as_dict(self) -> dict[str, Any]:
        """The anonymous JSON form (the pub/sub message and API output)."""
        return {
            "pool": f"{self.zone}:{self.instance_type}",
            "zone": self.zone,
            "instance_type": self.instance_type,
            "level": self.level.value,
            "count": self.count,
            "last_seen": self.last_seen,
        }


def anonymous_member(signal: SpotSignal) -> str:
    """A stable token per (instance, kind) so redeliveries count once; no instance id leaves the tenant."""
    if signal.instance_id:
        basis = f"{signal.instance_id}|{signal.kind.value}"
    else:
        basis = f"{signal.zone}|{signal.instance_type}|{signal.kind.value}|{signal.observed_at.isoformat()}"
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


def zone_from_arn(arn: str) -> str | None:
    """The AZ in an instance ARN (``arn:aws:ec2:us-east-2a:instance/i-…``); ``None`` when it names a region."""
    parts = arn.split(":")
    if len(parts) < 5 or parts[2] != "ec2":
        return None
    location = parts[3]
    return location if _AZ_NAME.match(location) else None


def is_zone(value: str) -> bool:
    """True for an AZ name (``us-east-1a``) or ID (``use1-az4``)."""
    return bool(_AZ_NAME.match(value) or _AZ_ID.match(value))


def _time(value: Any, field: str, default: datetime) -> datetime:
    if value in (None, ""):
        return default
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 timestamp", field=field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be an ISO 8601 timestamp", field=field) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _optional(value: Any, pattern: re.Pattern[str], field: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.match(value.strip().lower()):
        raise InvalidInput(f"{field} is not valid: {value!r}", field=field)
    return value.strip().lower()


def parse_eventbridge(event: Mapping[str, Any], now: datetime) -> SpotSignal:
    """An ``aws.ec2`` interruption warning or rebalance recommendation (``detail-type`` picks which)."""
    detail_type = event.get("detail-type")
    if detail_type == INTERRUPTION_DETAIL:
        kind = SignalKind.INTERRUPTION
    elif detail_type == REBALANCE_DETAIL:
        kind = SignalKind.REBALANCE
    else:
        raise InvalidInput(f"unsupported detail-type {detail_type!r}", field="detail-type")
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidInput("detail must be an object", field="detail")
    instance_id = _optional(detail.get("instance-id"), _INSTANCE_ID, "detail.instance-id")
    if instance_id is None:
        raise InvalidInput("detail.instance-id is required", field="detail.instance-id")
    zone = None
    for arn in event.get("resources") or ():
        if isinstance(arn, str) and (zone := zone_from_arn(arn)):
            break
    zone = _optional(detail.get("availability-zone"), _AZ_NAME, "detail.availability-zone") or zone
    return SpotSignal(
        kind=kind,
        instance_id=instance_id,
        region=_optional(event.get("region"), _REGION, "region"),
        aws_account=_optional(event.get("account"), _ACCOUNT, "account"),
        zone=zone,
        instance_type=_optional(detail.get("instance-type"), _INSTANCE_TYPE, "detail.instance-type"),
        observed_at=_time(event.get("time"), "time", now),
    )


def parse_agent_report(report: Mapping[str, Any], now: datetime) -> SpotSignal:
    """An in-cluster agent's report: ``{"kind", "zone", "instance_type", "observed_at"?, "instance_id"?}``."""
    try:
        kind = SignalKind(str(report.get("kind", "")))
    except ValueError as exc:
        raise InvalidInput("kind must be 'interruption' or 'rebalance'", field="kind") from exc
    zone = report.get("zone")
    if not isinstance(zone, str) or not is_zone(zone.strip().lower()):
        raise InvalidInput(f"zone is not an availability zone: {zone!r}", field="zone")
    itype = _optional(report.get("instance_type"), _INSTANCE_TYPE, "instance_type")
    if itype is None:
        raise InvalidInput("instance_type is required", field="instance_type")
    return SpotSignal(
        kind=kind,
        instance_id=_optional(report.get("instance_id"), _INSTANCE_ID, "instance_id"),
        region=None,
        aws_account=None,
        zone=zone.strip().lower(),
        instance_type=itype,
        observed_at=_time(report.get("observed_at"), "observed_at", now),
    )


def parse_signal(event: Mapping[str, Any], now: datetime) -> SpotSignal:
    """EventBridge events carry ``detail-type``; anything else is read as an agent report."""
    if not isinstance(event, Mapping):
        raise InvalidInput("event must be an object", field="body")
    if "detail-type" in event:
        return parse_eventbridge(event, now)
    return parse_agent_report(event, now)


def pool_signal(signal: SpotSignal) -> PoolSignal:
    """The anonymous pool signal of a resolved warning."""
    if not signal.zone or not signal.instance_type:
        raise InvalidInput("the signal's pool is not resolved", field="instance_type")
    return PoolSignal(signal.zone, signal.instance_type, signal.kind, signal.observed_at, anonymous_member(signal))


def flagged_keys(flags: Mapping[str, PoolFlag]) -> frozenset[str]:
    """Keys the spot ranking must leave out: DANGER flags only (WARN pools are scored, with a floor)."""
    return frozenset(key for key, flag in flags.items() if flag.level is FlagLevel.DANGER)
