"""SVC-SCRAPE-01: ingest the Spot Advisor feed every 6 h into ``interruption-rates`` and refresh the model.

Each pass also records the market observations the next model may learn from (``MarketRecorder``).

When pools changed, the served model is recalibrated against the new feed (``Recalibrate``, see
``services/model_recalibration.py``): the hook gets the previous state and the new rates.

Only pools whose (bucket, savings) changed are written, each as a new dated history item, so the model
can see trends; a region's last state is one item, so diffing costs one read per region. A feed that
cannot be fetched or parsed changes nothing: the last state stays and the report says why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from spothive.domain.advisor_feed import Rate, diff_rates, forecast_horizon_days, parse_feed
from spothive.domain.errors import DependencyFailed, InvalidInput
from spothive.ports.clock import Clock
from spothive.ports.risk import AdvisorFeedSource, InterruptionRates
from spothive.services.market_recorder import MarketRecorder

LOG = logging.getLogger(__name__)

#: Receives every pool's rate after an ingest (``{region: {"os#type": (bucket, savings)}}``).
ContextSink = Callable[[Mapping[str, Mapping[str, Rate]]], None]
#: Recalibrates the served model on (previous state, new rates, ingest time, forecast horizon in days);
#: returns its report.
Recalibrate = Callable[
    [Mapping[str, Mapping[str, Rate]], Mapping[str, Mapping[str, Rate]], datetime, float], dict[str, Any]
]


@dataclass(frozen=True, slots=True)
class AdvisorReport:
    """``updated``, ``unchanged`` or ``failed`` (with ``reason``)."""

    status: str
    regions: int = 0
    pools: int = 0
    changed: int = 0
    reason: str | None = None
    context_refreshed: bool = False
    changed_by_region: dict[str, int] = field(default_factory=dict)
    market: dict[str, Any] | None = None
    recalibration: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the worker's return value."""
        return {"status": self.status, "regions": self.regions, "pools": self.pools, "changed": self.changed,
                "reason": self.reason, "context_refreshed": self.context_refreshed, "market": self.market,
                "recalibration": self.recalibration}


class AdvisorIngest:
    """Fetch, parse, diff, record, refresh."""

    def __init__(
        self,
        feed: AdvisorFeedSource,
        rates: InterruptionRates,
        clock: Clock,
        context_sink: ContextSink | None = None,
        market: MarketRecorder | None = None,
        recalibrate: Recalibrate | None = None,
    ) -> None:
        self._feed = feed
        self._rates = rates
        self._clock = clock
        self._sink = context_sink
        self._market = market
        self._recalibrate = recalibrate

    def run(self) -> AdvisorReport:
        """One ingest pass; the market observations are recorded whether or not the feed could be read."""
        report = self._ingest_rates()
        if self._market is None:
            return report
        return replace(report, market=self._market.run().as_dict())

    def _ingest_rates(self) -> AdvisorReport:
        try:
            parsed = parse_feed(json.loads(self._feed.fetch()))
        except DependencyFailed as exc:
            LOG.error("Spot Advisor feed unavailable, keeping the last state: %s", exc.message)
            return AdvisorReport("failed", reason=exc.message)
        except (ValueError, InvalidInput) as exc:
            if isinstance(exc, InvalidInput):  # the bad entry's path, as the docs promise
                reason = f"{exc.field}: {exc.message}" if exc.field else exc.message
            else:
                reason = f"the feed is not JSON: {exc}"
            LOG.error("Spot Advisor feed rejected, keeping the last state: %s", reason)
            return AdvisorReport("failed", reason=reason)
        now = self._clock.now()
        changed: dict[str, int] = {}
        previous: dict[str, dict[str, Rate]] = {}
        since: list[datetime | None] = []
        for region, fresh in sorted(parsed.items()):
            previous[region] = self._rates.state(region)
            if previous[region]:
                since.append(self._rates.since(region))
            changes = diff_rates(region, previous[region], fresh)
            if changes:
                self._rates.record(region, changes, fresh, now)
            changed[region] = len(changes)
        refreshed = False
        if self._sink is not None:
            try:
                self._sink(parsed)
                refreshed = True
            except Exception as exc:  # the rates are stored; a model refresh failure must not undo that
                LOG.warning("risk model context not refreshed: %s", exc)
        total = sum(changed.values())
        return AdvisorReport(
            "updated" if total else "unchanged", regions=len(parsed), pools=sum(len(r) for r in parsed.values()),
            changed=total, context_refreshed=refreshed, changed_by_region=changed,
            recalibration=self._recalibrated(previous, parsed, now, forecast_horizon_days(since, now)) if total else None,
        )

    def _recalibrated(self, previous: Mapping[str, Mapping[str, Rate]], fresh: Mapping[str, Mapping[str, Rate]],
                      now: datetime, horizon_days: float) -> dict[str, Any] | None:
        """The recalibration's report; a failure is reported, never undoes the stored rates."""
        if self._recalibrate is None or not any(previous.values()):
            return None  # the first ingest has no earlier forecast to judge
        try:
            return self._recalibrate(previous, fresh, now, horizon_days)
        except Exception as exc:
            LOG.warning("risk model not recalibrated: %s", exc)
            return {"status": "failed", "reason": str(exc)}
