"""Turn freshly ingested Advisor rates into the in-process model's feature context (lazy ML imports)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from spothive.domain.advisor_feed import Rate


def context_from_rates(rates: Mapping[str, Mapping[str, Rate]], previous: Any = None) -> Any:
    """A ``RiskContext`` with the Linux buckets and savings of ``rates``; prices and catalog carried over."""
    from spothive_models.features import RiskContext

    buckets: dict[tuple[str, str], int] = {}
    savings: dict[tuple[str, str], float] = {}
    for region, pools in rates.items():
        for key, (bucket, saving) in pools.items():
            os_name, itype = key.split("#", 1)
            if os_name == "Linux":
                buckets[(region, itype)] = bucket
                savings[(region, itype)] = float(saving)
    return RiskContext(
        buckets, savings,
        dict(getattr(previous, "placement_scores", {}) or {}),
        dict(getattr(previous, "prices", {}) or {}),
        dict(getattr(previous, "catalog", {}) or {}),
    )


def refreshed_at() -> datetime:
    """When the context was rebuilt (for logs)."""
    return datetime.now(UTC)
