"""Loaders for the public data formats the risk model learns from.

Formats (auto-detected by :func:`load_source`):

- Spot Advisor feed JSON: ``spot_advisor[region][os][type] = {"r": bucket 0..4, "s": savings %}``.
- SpotLake snapshot CSV: ``SpotPrice, Savings, SPS, AZ, Region, InstanceType, IF, time``; ``IF`` is the
  Advisor grade 3.0 (<5 %) … 1.0 (>20 %), mapped to buckets by :data:`IF_TO_BUCKET`.
- Spot price history CSV: ``az_id, instance_type, product_description, spot_price_usd_per_hour, timestamp``.
- Instance catalog CSV: the Karpenter-derived catalog with ``ondemand_usd_per_hour_us_east_1``.

Only Linux pools are read. A pool is ``(region, instance_type)``, the Advisor's granularity.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from spothive.contracts.risk_v1 import region_of_zone as region_of_az

Pool = tuple[str, str]  # (region, instance_type)

#: SpotLake ``IF`` grade → Advisor bucket (0: <5 %, 1: 5-10 %, 2: 10-15 %, 3: 15-20 %, 4: >20 % per month).
IF_TO_BUCKET: dict[float, int] = {3.0: 0, 2.5: 1, 2.0: 2, 1.5: 3, 1.0: 4}

#: A pool is "high risk" when its bucket is at least this (> 15 % interruptions a month).
HIGH_BUCKET = 3

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass
class LabeledSnapshot:
    """Advisor buckets (and savings) per pool at one time."""

    name: str
    taken_at: datetime | None
    buckets: dict[Pool, int]
    savings: dict[Pool, float] = field(default_factory=dict)
    placement_scores: dict[Pool, float] = field(default_factory=dict)


@dataclass
class PriceHistory:
    """Spot price series per pool, one series per AZ."""

    name: str
    taken_at: datetime | None
    series: dict[Pool, dict[str, list[float]]]


@dataclass
class CatalogRow:
    """The catalog attributes the model uses."""

    vcpu: float
    memory_gib: float
    gpu_count: float
    arch: str
    on_demand_price: float | None
    network_mbps: float | None


@dataclass
class Catalog:
    """Instance catalog keyed by instance type."""

    name: str
    rows: dict[str, CatalogRow]
    taken_at: datetime | None = None  # the catalog is static context, never dated


Source = LabeledSnapshot | PriceHistory | Catalog


def _date_from_name(path: Path) -> datetime | None:
    match = _DATE_IN_NAME.search(path.name)
    if not match:
        return None
    return datetime(int(match[1]), int(match[2]), int(match[3] or 1), tzinfo=UTC)


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _float(text: str | None) -> float | None:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def load_advisor_feed(path: Path, os_name: str = "Linux") -> LabeledSnapshot:
    """Read a Spot Advisor feed; the snapshot date comes from a ``YYYY-MM[-DD]`` in the file name."""
    data = json.loads(path.read_text())
    if "spot_advisor" not in data:
        raise ValueError(f"{path}: not a Spot Advisor feed (no 'spot_advisor' key)")
    buckets: dict[Pool, int] = {}
    savings: dict[Pool, float] = {}
    for region, by_os in data["spot_advisor"].items():
        for itype, entry in by_os.get(os_name, {}).items():
            buckets[(region, itype)] = int(entry["r"])
            if "s" in entry:
                savings[(region, itype)] = float(entry["s"])
    return LabeledSnapshot(path.name, _date_from_name(path), buckets, savings)


def load_spotlake(path: Path) -> LabeledSnapshot:
    """Read a SpotLake snapshot: buckets from ``IF`` per (region, type), mean SPS over its AZs."""
    buckets: dict[Pool, int] = {}
    savings: dict[Pool, float] = {}
    sps: dict[Pool, list[float]] = {}
    latest: datetime | None = None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            pool = (row["Region"], row["InstanceType"])
            grade = _float(row.get("IF"))
            if grade is None or grade not in IF_TO_BUCKET:
                continue
            buckets[pool] = max(buckets.get(pool, 0), IF_TO_BUCKET[grade])
            if (value := _float(row.get("Savings"))) is not None:
                savings[pool] = value
            if (score := _float(row.get("SPS"))) is not None:
                sps.setdefault(pool, []).append(score)
            stamp = _parse_time(row.get("time", "") or "")
            if stamp and (latest is None or stamp > latest):
                latest = stamp
    scores = {pool: sum(values) / len(values) for pool, values in sps.items()}
    return LabeledSnapshot(path.name, latest or _date_from_name(path), buckets, savings, scores)


def load_spot_prices(path: Path) -> PriceHistory:
    """Read a DescribeSpotPriceHistory dump (Linux rows only), series ordered by timestamp."""
    points: dict[Pool, dict[str, list[tuple[str, float]]]] = {}
    latest: datetime | None = None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if "linux" not in row.get("product_description", "linux").lower():
                continue
            region = region_of_az(row["az_id"])
            price = _float(row.get("spot_price_usd_per_hour"))
            if region is None or price is None:
                continue
            stamp = row.get("timestamp", "")
            points.setdefault((region, row["instance_type"]), {}).setdefault(row["az_id"], []).append(
                (stamp, price)
            )
            parsed = _parse_time(stamp)
            if parsed and (latest is None or parsed > latest):
                latest = parsed
    series = {
        pool: {az: [price for _, price in sorted(values)] for az, values in by_az.items()}
        for pool, by_az in points.items()
    }
    return PriceHistory(path.name, latest or _date_from_name(path), series)


def load_catalog(path: Path) -> Catalog:
    """Read the instance catalog CSV."""
    rows: dict[str, CatalogRow] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["instance_type"]] = CatalogRow(
                vcpu=_float(row.get("vcpu")) or 0.0,
                memory_gib=(_float(row.get("memory_mib")) or 0.0) / 1024.0,
                gpu_count=_float(row.get("gpu_count")) or 0.0,
                arch=row.get("arch", ""),
                on_demand_price=_float(row.get("ondemand_usd_per_hour_us_east_1")),
                network_mbps=_float(row.get("network_bandwidth_mbps")),
            )
    return Catalog(path.name, rows)


def load_source(path: Path | str) -> Source:
    """Load any supported file, detecting its format from its content."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return load_advisor_feed(path)
    with path.open(newline="") as handle:
        header = next(csv.reader(handle), [])
    columns = set(header)
    if {"IF", "InstanceType", "Region"} <= columns:
        return load_spotlake(path)
    if {"az_id", "instance_type", "spot_price_usd_per_hour"} <= columns:
        return load_spot_prices(path)
    if {"instance_type", "vcpu"} <= columns:
        return load_catalog(path)
    raise ValueError(f"{path}: unrecognised format (columns: {', '.join(header[:8])})")
