"""Market observations kept for the next risk model: Spot placement scores and Spot price statistics.

They are recorded at each Spot Advisor ingest with their feature date, so a later model can be trained on
what was known at that date. They stay out of today's model until they are validated on a labelled
Advisor transition (docs/risk-model.md): a placement score measures how likely a request is to be
*fulfilled* now, not how likely a running instance is to be *interrupted* later.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from spothive.domain.catalog import InstanceType

#: GetSpotPlacementScores scores a single type, or variations of one, always low: ask for three or more.
MIN_TYPES_PER_CONFIGURATION = 3


@dataclass(frozen=True, slots=True)
class PlacementConfiguration:
    """One placement-score request: ``target_capacity`` instances of any of ``instance_types``, per AZ."""

    name: str
    instance_types: tuple[str, ...]
    target_capacity: int


@dataclass(frozen=True, slots=True)
class PlacementScore:
    """The score (1 to 10) of ``configuration`` in ``region`` (and zone id when scored per AZ)."""

    configuration: str
    region: str
    availability_zone_id: str | None
    score: int


@dataclass(frozen=True, slots=True)
class SpotPricePoint:
    """One row of the Spot price history."""

    instance_type: str
    availability_zone: str
    at: datetime
    price: float


@dataclass(frozen=True, slots=True)
class PriceStats:
    """A pool's Spot price over the window: sample count, mean, extremes, spread, last value, changes."""

    region: str
    availability_zone: str
    instance_type: str
    samples: int
    mean: float
    minimum: float
    maximum: float
    stdev: float
    last: float
    changes: int
    window_hours: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form (one line of the recorded file)."""
        return asdict(self)


def placement_configurations(
    families: Sequence[str], types: Iterable[InstanceType], target_capacity: int
) -> list[PlacementConfiguration]:
    """One configuration per watched family with at least three sizes in ``types`` (smallest first).

    A fixed, small set keeps the request configurations the same from one ingest to the next: AWS may
    limit *new* configurations within 24 hours, never repeated ones.
    """
    if target_capacity < 1:
        raise ValueError("target_capacity must be at least 1")
    sizes: dict[str, list[str]] = {}
    for t in sorted(types, key=lambda t: (t.vcpu, t.memory_mib, t.name)):
        sizes.setdefault(t.family, []).append(t.name)
    return [PlacementConfiguration(family, tuple(sizes[family]), target_capacity)
            for family in families if len(sizes.get(family, ())) >= MIN_TYPES_PER_CONFIGURATION]


def price_stats(
    region: str, points: Iterable[SpotPricePoint], now: datetime, window_hours: int
) -> list[PriceStats]:
    """Statistics per (zone, type) over the points within ``window_hours`` before ``now``, sorted.

    The history reports a row each time the price changes, so ``changes`` counts movements and the
    statistics weigh each reported price once (not by how long it held).
    """
    by_pool: dict[tuple[str, str], list[SpotPricePoint]] = {}
    for point in points:
        age_h = (now - point.at).total_seconds() / 3600
        if 0 <= age_h <= window_hours:
            by_pool.setdefault((point.availability_zone, point.instance_type), []).append(point)
    stats = []
    for (zone, instance_type), rows in sorted(by_pool.items()):
        rows.sort(key=lambda p: p.at)
        prices = [p.price for p in rows]
        changes = sum(1 for a, b in itertools.pairwise(prices) if a != b)
        stats.append(PriceStats(
            region=region, availability_zone=zone, instance_type=instance_type, samples=len(prices),
            mean=round(statistics.fmean(prices), 6), minimum=min(prices), maximum=max(prices), stdev=round(statistics.pstdev(prices), 6),
            last=prices[-1], changes=changes, window_hours=window_hours,
        ))
    return stats
