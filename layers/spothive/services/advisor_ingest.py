"""SVC-SCRAPE-01: ingest the Spot Advisor feed every 6 h into ``interruption-rates`` and refresh the model.

Each pass also records the market observations the next model may learn from (``MarketRecorder``).

Only pools whose (bucket, savings) changed are written, each as a new dated history item, so the model
can see trends; a region's last state is one item, so diffing costs one read per region. A feed that
cannot be fetched or parsed changes nothing: the last state stays and the report says why.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from spothive.domain.advisor_feed import Rate, diff_rates, parse_feed
from spothive.domain.errors import DependencyFailed, InvalidInput
from spothive.ports.clock import Clock
from spothive.ports.risk import AdvisorFeedSource, InterruptionRates
from spothive.services.market_recorder import MarketRecorder

LOG = logging.getLogger(__name__)

#: Receives every pool's rate after an ingest (``{region: {"os#type": (bucket, savings)}}``).
ContextSink = Callable[[Mapping[str, Mapping[str, Rate]]], None]


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

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the worker's return value."""
        return {"status": self.status, "regions": self.regions, "pools": self.pools, "changed": self.changed,
                "reason": self.reason, "context_refreshed": self.context_refreshed, "market": self.market}


class AdvisorIngest:
    """Fetch, parse, diff, record, refresh."""

    def __init__(
        self,
        feed: AdvisorFeedSource,
        rates: InterruptionRates,
        clock: Clock,
        context_sink: ContextSink | None = None,
        market: MarketRecorder | None = None,
    ) -> None:
        self._feed = feed
        self._rates = rates
        self._clock = clock
        self._sink = context_sink
        self._market = market

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
            reason = exc.message if isinstance(exc, InvalidInput) else f"the feed is not JSON: {exc}"
            LOG.error("Spot Advisor feed rejected, keeping the last state: %s", reason)
            return AdvisorReport("failed", reason=reason)
        now = self._clock.now()
        changed: dict[str, int] = {}
        for region, fresh in sorted(parsed.items()):
            changes = diff_rates(region, self._rates.state(region), fresh)
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
        )
