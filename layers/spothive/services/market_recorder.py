"""Record Spot placement scores and Spot price statistics at each Advisor ingest (data for the next model).

Each kind is fetched and stored on its own: a market API refusing (throttled, not permitted, not
emulated locally) costs that kind's batch for this ingest and nothing else, and the report says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from spothive.domain.market_signals import PlacementConfiguration, price_stats
from spothive.ports.clock import Clock
from spothive.ports.risk import MarketObservations, MarketSource

LOG = logging.getLogger(__name__)

PLACEMENT_SCORES = "placement-scores"
PRICE_STATS = "price-stats"


@dataclass(frozen=True, slots=True)
class MarketReport:
    """Rows recorded per kind, and why a kind recorded nothing."""

    recorded: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the worker's report."""
        return {"recorded": dict(self.recorded), "failed": dict(self.failed)}


class MarketRecorder:
    """Fetch each kind of observation for the watched regions and append it with the ingest's date."""

    def __init__(
        self, source: MarketSource, store: MarketObservations, clock: Clock, *,
        regions: Sequence[str], configurations: Sequence[PlacementConfiguration], price_window_hours: int = 24,
    ) -> None:
        self._source = source
        self._store = store
        self._clock = clock
        self._regions = tuple(regions)
        self._configurations = tuple(configurations)
        self._window = price_window_hours

    def run(self) -> MarketReport:
        """One pass: placement scores per configuration, then price statistics per region."""
        now = self._clock.now()
        report = MarketReport()
        try:
            scores = [asdict(score) for c in self._configurations
                      for score in self._source.placement_scores(c, self._regions)]
            self._store.record(PLACEMENT_SCORES, now, scores)
            report.recorded[PLACEMENT_SCORES] = len(scores)
        except Exception as exc:  # one kind failing must not cost the other
            LOG.warning("placement scores not recorded: %s", exc)
            report.failed[PLACEMENT_SCORES] = str(exc)[:300]
        try:
            since = now - timedelta(hours=self._window)
            rows = [s.as_dict() for region in self._regions
                    for s in price_stats(region, self._source.spot_price_history(region, since), now, self._window)]
            self._store.record(PRICE_STATS, now, rows)
            report.recorded[PRICE_STATS] = len(rows)
        except Exception as exc:
            LOG.warning("spot price statistics not recorded: %s", exc)
            report.failed[PRICE_STATS] = str(exc)[:300]
        return report
