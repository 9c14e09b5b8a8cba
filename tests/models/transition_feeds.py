"""Two Advisor states a transition apart, built from the built-in catalog's instance types."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from spothive.domain.advisor_feed import Rate
from spothive.domain.catalog import load_builtin_catalog

REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1")
Rates = dict[str, dict[str, Rate]]


def doubling_feeds(regions: int = 5, high_share: float = 0.2, seed: int = 7) -> tuple[Rates, Rates]:
    """(previous, new) Linux rates of every built-in type in ``regions`` regions: ``high_share`` of the pools
    in buckets >= 3 before, twice that share after (low pools moved to bucket 3, high pools kept)."""
    pools = [(r, t) for r in REGIONS[:regions] for t in sorted(load_builtin_catalog().types)]
    rng = np.random.default_rng(seed)
    high = set(rng.choice(len(pools), int(len(pools) * high_share), replace=False).tolist())
    low = [i for i in range(len(pools)) if i not in high]
    moved = set(rng.choice(low, len(high), replace=False).tolist())
    before: Rates = {r: {} for r in REGIONS[:regions]}
    after: Rates = {r: {} for r in REGIONS[:regions]}
    for i, (region, itype) in enumerate(pools):
        bucket = 3 + i % 2 if i in high else i % 3
        before[region][f"Linux#{itype}"] = (bucket, 60)
        after[region][f"Linux#{itype}"] = (3, 60) if i in moved else (bucket, 60)
    return before, after


def high_share(rates: Rates) -> float:
    """Share of pools in buckets >= 3."""
    values = [b for pools in rates.values() for b, _ in pools.values()]
    return sum(b >= 3 for b in values) / len(values)


def write_feed(path: Path, rates: Rates) -> Path:
    """The rates as a Spot Advisor feed file."""
    body = {region: {"Linux": {key.split("#", 1)[1]: {"r": b, "s": s} for key, (b, s) in pools.items()}}
            for region, pools in rates.items()}
    path.write_text(json.dumps({"spot_advisor": body}))
    return path
