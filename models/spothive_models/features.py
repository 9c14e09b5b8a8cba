"""Feature extraction for the interruption-risk model, identical at training and serving time.

A :class:`RiskContext` is what SpotHive knows when it predicts: the most recent Advisor bucket of every pool
(from the 6-hourly Advisor scrape), recent spot prices and the instance catalog. :func:`pool_features` turns
one pool plus optional per-request facts (from the v1.0 contract) into named floats; ``NaN`` means unknown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from spothive.domain.instance_names import parse_instance_type
from spothive_models.datasets import (
    HIGH_BUCKET,
    Catalog,
    CatalogRow,
    LabeledSnapshot,
    Pool,
    PriceHistory,
    Source,
)

NAN = float("nan")

#: Series groups the model sees as flags (a series id itself is identity and does not generalize).
BURSTABLE_SERIES = frozenset({"t"})
ACCELERATED_SERIES = frozenset({"dl", "f", "g", "inf", "p", "trn", "vt"})
STORAGE_SERIES = frozenset({"d", "h", "i", "im", "is"})

#: Features the v2 structure model uses, in column order: leave-one-out neighbour buckets and catalog
#: attributes only. The pool's own bucket is not a feature: it enters the forecast through the bucket
#: chain (``spothive_models.horizon``), with a weight that fades with the horizon. Identity (region,
#: family, series ids), momentum and price features are left out: they do not carry across time.
FEATURE_NAMES: tuple[str, ...] = (
    "advisor_savings",
    "type_bucket_other_regions",
    "type_high_share_other_regions",
    "type_regions_known",
    "family_region_bucket",
    "adjacent_sizes_bucket",
    "family_bucket_other_types",
    "region_bucket_other_families",
    "generation",
    "size_rank",
    "graviton",
    "amd",
    "local_nvme",
    "network_optimized",
    "burstable",
    "accelerated",
    "storage_optimized",
    "vcpu",
    "memory_gib",
    "memory_per_vcpu",
    "gpu_count",
    "on_demand_price",
)
CATEGORICAL_FEATURES: tuple[str, ...] = ()
EXTRA_FEATURES: tuple[str, ...] = (
    "advisor_bucket",
    "spot_to_od_ratio",
    "price_azs",
    "price_mean",
    "price_std",
    "price_cv",
    "price_min",
    "price_max",
    "price_trend",
    "placement_score",
    "hour_of_day",
    "day_of_week",
    "live_interruptions",
)


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else NAN


@dataclass
class RiskContext:
    """What is known at prediction time; build it with :meth:`from_sources`."""

    buckets: dict[Pool, int] = field(default_factory=dict)
    savings: dict[Pool, float] = field(default_factory=dict)
    placement_scores: dict[Pool, float] = field(default_factory=dict)
    prices: dict[Pool, dict[str, list[float]]] = field(default_factory=dict)
    catalog: dict[str, CatalogRow] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_type: dict[str, dict[str, int]] = defaultdict(dict)
        self._by_family_region: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        self._by_family: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._by_region: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for (region, itype), bucket in self.buckets.items():
            family = itype.split(".", 1)[0]
            self._by_type[itype][region] = bucket
            self._by_family_region[(region, family)][itype] = bucket
            self._by_family[family][itype].append(bucket)
            self._by_region[region][family].append(bucket)

    @classmethod
    def from_sources(cls, sources: Sequence[Source], before: datetime | None = None) -> RiskContext:
        """Merge sources, newer labeled snapshots overriding older ones per pool.

        With ``before`` set, dated sources taken at or after it are left out (undated ones, such as the
        catalog, are always used).
        """
        usable: list[LabeledSnapshot | PriceHistory] = [s for s in sources if not isinstance(s, Catalog)]
        if before is not None:
            usable = [s for s in usable if s.taken_at is None or s.taken_at < before]
        usable.sort(key=lambda s: (s.taken_at is not None, s.taken_at or datetime.min.replace(tzinfo=UTC)))
        buckets: dict[Pool, int] = {}
        savings: dict[Pool, float] = {}
        scores: dict[Pool, float] = {}
        prices: dict[Pool, dict[str, list[float]]] = {}
        for source in usable:
            if isinstance(source, LabeledSnapshot):
                buckets.update(source.buckets)
                savings.update(source.savings)
                scores.update(source.placement_scores)
            else:
                for pool, by_az in source.series.items():
                    merged = prices.setdefault(pool, {})
                    for az, values in by_az.items():
                        merged[az] = merged.get(az, []) + list(values)
        catalog = {t: row for c in sources if isinstance(c, Catalog) for t, row in c.rows.items()}
        return cls(buckets, savings, scores, prices, catalog)

    def bucket_aggregates(self, region: str, itype: str) -> dict[str, float]:
        """Leave-one-out neighbour buckets: the pool's own bucket never enters its own features.

        Same type in the other regions; the family's other sizes in the region and its nearest smaller
        and larger sizes there; the family's other types everywhere; the region's other families.
        """
        family = itype.split(".", 1)[0]
        others = [b for r, b in self._by_type.get(itype, {}).items() if r != region]
        siblings = {t: b for t, b in self._by_family_region.get((region, family), {}).items() if t != itype}
        family_others = [b for t, bs in self._by_family.get(family, {}).items() if t != itype for b in bs]
        region_others = [b for f, bs in self._by_region.get(region, {}).items() if f != family for b in bs]
        return {
            "type_bucket_other_regions": _mean(others),
            "type_high_share_other_regions": _mean(float(b >= HIGH_BUCKET) for b in others),
            "type_regions_known": float(len(others)),
            "family_region_bucket": _mean(siblings.values()),
            "adjacent_sizes_bucket": _adjacent(itype, siblings),
            "family_bucket_other_types": _mean(family_others),
            "region_bucket_other_families": _mean(region_others),
        }


def _size_rank(itype: str) -> int | None:
    try:
        return parse_instance_type(itype).size_rank
    except ValueError:
        return None


def _adjacent(itype: str, siblings: Mapping[str, int]) -> float:
    """Mean bucket of the nearest smaller and the nearest larger size of the family in the region."""
    rank = _size_rank(itype)
    if rank is None or not siblings:
        return NAN
    ranked = [(r, b) for t, b in siblings.items() if (r := _size_rank(t)) is not None and r != rank]
    below = [(rank - r, b) for r, b in ranked if r < rank]
    above = [(r - rank, b) for r, b in ranked if r > rank]
    picks = [min(side)[1] for side in (below, above) if side]
    return _mean(float(b) for b in picks)


def price_stats(history: Sequence[float]) -> dict[str, float]:
    """Mean, std, coefficient of variation, min, max and relative trend (slope per step / mean)."""
    if not history:
        return dict.fromkeys(
            ("price_mean", "price_std", "price_cv", "price_min", "price_max", "price_trend"), NAN
        )
    values = np.asarray(history, dtype=float)
    mean = float(values.mean())
    std = float(values.std())
    trend = 0.0
    if len(values) > 1 and mean > 0:
        steps = np.arange(len(values), dtype=float)
        trend = float(np.polyfit(steps, values, 1)[0]) / mean
    return {
        "price_mean": mean,
        "price_std": std,
        "price_cv": std / mean if mean > 0 else NAN,
        "price_min": float(values.min()),
        "price_max": float(values.max()),
        "price_trend": trend,
    }


def _name_features(itype: str) -> dict[str, float]:
    names = ("generation", "size_rank", "graviton", "amd", "local_nvme", "network_optimized", "burstable",
             "accelerated", "storage_optimized")
    try:
        parsed = parse_instance_type(itype)
    except ValueError:
        return dict.fromkeys(names, NAN)
    attributes = parsed.attributes
    return {
        "generation": float(parsed.generation),
        "size_rank": float(parsed.size_rank),
        "graviton": float(parsed.graviton),
        "amd": float("a" in attributes),
        "local_nvme": float("d" in attributes),
        "network_optimized": float("n" in attributes),
        "burstable": float(parsed.series in BURSTABLE_SERIES),
        "accelerated": float(parsed.series in ACCELERATED_SERIES),
        "storage_optimized": float(parsed.series in STORAGE_SERIES),
    }


def static_pool_features(region: str, itype: str, context: RiskContext) -> dict[str, float]:
    """Features that depend only on the pool and the context (cacheable until the context changes)."""
    pool = (region, itype)
    bucket = context.buckets.get(pool)
    feats: dict[str, float] = {
        "advisor_bucket": NAN if bucket is None else float(bucket),
        "advisor_savings": float(context.savings.get(pool, NAN)),
    }
    feats.update(context.bucket_aggregates(region, itype))
    feats.update(_name_features(itype))
    row = context.catalog.get(itype)
    feats["vcpu"] = row.vcpu if row else NAN
    feats["memory_gib"] = row.memory_gib if row else NAN
    feats["memory_per_vcpu"] = row.memory_gib / row.vcpu if row and row.vcpu else NAN
    feats["gpu_count"] = row.gpu_count if row else NAN
    feats["on_demand_price"] = row.on_demand_price if row and row.on_demand_price else NAN
    by_az = context.prices.get(pool, {})
    feats["spot_mean"] = _mean(float(np.mean(v)) for v in by_az.values() if v)
    feats["price_azs"] = float(len(by_az)) if by_az else NAN
    feats["spot_to_od_ratio"] = _ratio(feats["spot_mean"], feats["on_demand_price"])
    feats["placement_score"] = float(context.placement_scores.get(pool, NAN))
    return feats


def _ratio(spot: float, on_demand: float) -> float:
    if math.isnan(spot) or math.isnan(on_demand) or on_demand <= 0:
        return NAN
    return spot / on_demand


#: The numeric facts a v1.0 request may carry that override a pool's static features.
REQUEST_FEATURES: tuple[str, ...] = (
    "advisor_bucket",
    "on_demand_price",
    "placement_score",
    "hour_of_day",
    "day_of_week",
    "live_interruptions",
)


def apply_request(
    static: Mapping[str, float], request: Mapping[str, object], extras: bool = False
) -> dict[str, float]:
    """Overlay the facts a v1.0 request carries on the pool's static features.

    ``extras`` adds the price statistics of the request's history (not used by the v1 model).
    """
    feats = dict(static)
    for name in REQUEST_FEATURES:
        value = request.get(name)
        if value is not None:
            feats[name] = float(value)  # type: ignore[arg-type]
    history = request.get("spot_price_history")
    if isinstance(history, Sequence) and history:
        prices = [float(x) for x in history]
        feats["spot_mean"] = sum(prices) / len(prices)
        if extras:
            feats.update(price_stats(prices))
    feats["spot_to_od_ratio"] = _ratio(feats["spot_mean"], feats["on_demand_price"])
    return feats


def pool_features(
    region: str,
    itype: str,
    context: RiskContext,
    request: Mapping[str, object] | None = None,
) -> dict[str, float]:
    """Features of one pool; ``request`` holds contract facts that override the context."""
    static = static_pool_features(region, itype, context)
    return apply_request(static, request, extras=True) if request else static


def to_matrix(rows: Sequence[Mapping[str, float]], names: Sequence[str] = FEATURE_NAMES) -> np.ndarray:
    """Stack feature dicts into a float matrix in ``names`` order (missing names become NaN)."""
    return np.array([[row.get(name, NAN) for name in names] for row in rows], dtype=float).reshape(
        len(rows), len(names)
    )


def coverage(matrix: np.ndarray) -> np.ndarray:
    """Share of model features that are known (not NaN) in each row."""
    if matrix.size == 0:
        return np.zeros(matrix.shape[0])
    known: np.ndarray = 1.0 - np.isnan(matrix).mean(axis=1)
    return known
