"""Candidate structure features tried for the time hold-out (not served unless adopted into ``FEATURE_NAMES``).

All are leave-one-out neighbour statistics of one Advisor snapshot, so they exist at the feature date and
carry across time the way the served ones do: the pool's own bucket never enters its own features.

- ``variant_bucket``: the same series, generation and size with other attribute letters in the region
  (``m5a.xlarge`` and ``m5d.xlarge`` for ``m5.xlarge``);
- ``series_size_bucket``: the same series and size, other generations, in the region (``m4.xlarge``,
  ``m6i.xlarge``);
- ``size_bucket_region``: the same size of the region's other families;
- ``type_bucket_max_other_regions`` / ``type_bucket_min_other_regions``: the type's extremes elsewhere;
- ``family_region_high_share`` / ``region_high_share_other_families``: high-bucket shares;
- ``savings_vs_family_region``: the pool's Advisor savings minus its family siblings' mean in the region;
- ``type_savings_other_regions``: the type's mean savings elsewhere;
- ``region_pools``: how many pools the region lists (market size).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from spothive.domain.instance_names import InstanceName, parse_instance_type
from spothive_models.datasets import HIGH_BUCKET, Pool

NAN = float("nan")

CANDIDATE_FEATURES: tuple[str, ...] = (
    "variant_bucket",
    "series_size_bucket",
    "size_bucket_region",
    "type_bucket_max_other_regions",
    "type_bucket_min_other_regions",
    "family_region_high_share",
    "region_high_share_other_families",
    "savings_vs_family_region",
    "type_savings_other_regions",
    "region_pools",
)


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else NAN


def _parse(itype: str) -> InstanceName | None:
    try:
        return parse_instance_type(itype)
    except ValueError:
        return None


class NeighbourIndex:
    """Indexes one snapshot's buckets and savings for :meth:`features` (built once per context)."""

    def __init__(self, buckets: dict[Pool, int], savings: dict[Pool, float] | None = None) -> None:
        """``buckets`` and ``savings`` per (region, type), as in a ``RiskContext``."""
        self.buckets, self.savings = buckets, savings or {}
        self._region: dict[str, dict[str, int]] = defaultdict(dict)
        self._type: dict[str, dict[str, int]] = defaultdict(dict)
        self._names: dict[str, InstanceName | None] = {}
        for (region, itype), bucket in buckets.items():
            self._region[region][itype] = bucket
            self._type[itype][region] = bucket
            if itype not in self._names:
                self._names[itype] = _parse(itype)

    def features(self, region: str, itype: str) -> dict[str, float]:
        """The candidate features of one pool (NaN when no neighbour qualifies)."""
        me = self._names.get(itype) or _parse(itype)
        family = itype.split(".", 1)[0]
        in_region = {t: b for t, b in self._region.get(region, {}).items() if t != itype}
        named = [(n, t, b) for t, b in in_region.items() if (n := self._names.get(t)) is not None]
        if me is None:
            variant = series_size = same_size = NAN
        else:
            variant = _mean(
                b for n, t, b in named
                if n.series == me.series and n.generation == me.generation and n.size == me.size
                and n.attributes != me.attributes
            )
            series_size = _mean(
                b for n, _, b in named if n.series == me.series and n.size == me.size and n.generation != me.generation
            )
            same_size = _mean(b for n, t, b in named if n.size == me.size and t.split(".", 1)[0] != family)
        siblings = [b for t, b in in_region.items() if t.split(".", 1)[0] == family]
        others = [b for t, b in in_region.items() if t.split(".", 1)[0] != family]
        elsewhere = [b for r, b in self._type.get(itype, {}).items() if r != region]
        sibling_savings = [
            s for t in in_region if t.split(".", 1)[0] == family and (s := self.savings.get((region, t))) is not None
        ]
        own_savings = self.savings.get((region, itype))
        type_savings = [
            s for r in self._type.get(itype, {}) if r != region and (s := self.savings.get((r, itype))) is not None
        ]
        return {
            "variant_bucket": variant,
            "series_size_bucket": series_size,
            "size_bucket_region": same_size,
            "type_bucket_max_other_regions": float(max(elsewhere)) if elsewhere else NAN,
            "type_bucket_min_other_regions": float(min(elsewhere)) if elsewhere else NAN,
            "family_region_high_share": _mean(float(b >= HIGH_BUCKET) for b in siblings),
            "region_high_share_other_families": _mean(float(b >= HIGH_BUCKET) for b in others),
            "savings_vs_family_region": (
                own_savings - _mean(sibling_savings) if own_savings is not None and sibling_savings else NAN
            ),
            "type_savings_other_regions": _mean(type_savings),
            "region_pools": float(len(self._region.get(region, {}))),
        }
