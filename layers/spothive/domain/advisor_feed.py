"""The public Spot Advisor feed (SVC-SCRAPE-01): parse it into per-pool rates and diff against the last state.

Feed: ``{"spot_advisor": {region: {os: {type: {"r": bucket 0..4, "s": savings %}}}}, …}``. A pool is
``region#os#type``; its rate is ``(bucket, savings)``. Pure: stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.errors import InvalidInput

Rate = tuple[int, int]
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class RateChange:
    """A pool whose rate differs from the stored state (``before`` is ``None`` for a new pool)."""

    pool: str
    before: Rate | None
    after: Rate


def pool_id(region: str, os_name: str, instance_type: str) -> str:
    """``region#os#type``."""
    return f"{region}#{os_name}#{instance_type}"


def parse_feed(data: Any) -> dict[str, dict[str, Rate]]:
    """``{region: {"os#type": (bucket, savings)}}``; ``InvalidInput`` naming the path of a bad entry."""
    if not isinstance(data, Mapping) or not isinstance(data.get("spot_advisor"), Mapping):
        raise InvalidInput("not a Spot Advisor feed: no 'spot_advisor' object", field="spot_advisor")
    out: dict[str, dict[str, Rate]] = {}
    for region, by_os in data["spot_advisor"].items():
        if not isinstance(region, str) or not _REGION.match(region) or not isinstance(by_os, Mapping):
            raise InvalidInput(f"bad region entry {region!r}", field=f"spot_advisor.{region}")
        rates: dict[str, Rate] = {}
        for os_name, types in by_os.items():
            if not isinstance(types, Mapping):
                raise InvalidInput("expected an object of types", field=f"spot_advisor.{region}.{os_name}")
            for itype, entry in types.items():
                where = f"spot_advisor.{region}.{os_name}.{itype}"
                if not isinstance(itype, str) or not _TYPE.match(itype) or not isinstance(entry, Mapping):
                    raise InvalidInput(f"bad instance type entry {itype!r}", field=where)
                bucket, savings = entry.get("r"), entry.get("s", 0)
                if not isinstance(bucket, int) or isinstance(bucket, bool) or not 0 <= bucket <= 4:
                    raise InvalidInput("r must be a bucket 0..4", field=f"{where}.r")
                if not isinstance(savings, int | float) or isinstance(savings, bool) or not 0 <= savings <= 100:
                    raise InvalidInput("s must be a savings percentage 0..100", field=f"{where}.s")
                rates[f"{os_name}#{itype}"] = (bucket, int(savings))
        out[region] = rates
    if not out:
        raise InvalidInput("the feed lists no regions", field="spot_advisor")
    return out


#: The risk contract's shortest horizon; feeds come every 6 h, so an ingest that follows a change at once
#: judges a one-day forecast.
MIN_HORIZON_DAYS = 1.0
#: The contract's longest horizon (five years).
MAX_HORIZON_DAYS = 1826.0


def forecast_horizon_days(previous_since: Iterable[datetime | None], now: datetime) -> float:
    """How far ahead the previous state forecast the new one: from the newest moment a previous state was
    stored (it held from then until ``now``) to ``now``, within the contract's horizons; one day when no
    previous state carries its time."""
    stamps = [s for s in previous_since if s is not None]
    if not stamps:
        return MIN_HORIZON_DAYS
    days = (now - max(stamps)).total_seconds() / 86400
    return round(min(MAX_HORIZON_DAYS, max(MIN_HORIZON_DAYS, days)), 4)


def diff_rates(region: str, stored: Mapping[str, Rate], fresh: Mapping[str, Rate]) -> list[RateChange]:
    """Pools of ``region`` whose rate is new or different (pools that vanished are kept as history)."""
    changes = []
    for key in sorted(fresh):
        before = stored.get(key)
        if before is None or tuple(before) != tuple(fresh[key]):
            os_name, itype = key.split("#", 1)
            changes.append(RateChange(pool_id(region, os_name, itype), before, fresh[key]))
    return changes
