"""Market observations for the next model: configurations, price statistics, one kind failing alone."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.catalog import InstanceType
from spothive.domain.market_signals import (
    PlacementConfiguration,
    PlacementScore,
    SpotPricePoint,
    placement_configurations,
    price_stats,
)
from spothive.services.market_recorder import PLACEMENT_SCORES, PRICE_STATS, MarketRecorder
from tests.support.fakes import FixedClock
from tests.support.fakes.risk import MemoryMarketObservations

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def _types(*specs: tuple[str, int, int]) -> list[InstanceType]:
    return [InstanceType.build(name, vcpu, mem) for name, vcpu, mem in specs]


def test_a_configuration_per_watched_family_with_three_sizes_smallest_first() -> None:
    types = _types(("m5.2xlarge", 8, 32768), ("m5.large", 2, 8192), ("m5.xlarge", 4, 16384),
                   ("c5.large", 2, 4096), ("c5.xlarge", 4, 8192), ("r5.large", 2, 16384),
                   ("r5.xlarge", 4, 32768), ("r5.2xlarge", 8, 65536))
    configurations = placement_configurations(["m5", "c5", "x9"], types, 10)
    # c5 has two sizes only: AWS scores fewer than three types always low, so it is not asked; r5 is not watched
    assert configurations == [PlacementConfiguration("m5", ("m5.large", "m5.xlarge", "m5.2xlarge"), 10)]
    with pytest.raises(ValueError, match="target_capacity"):
        placement_configurations(["m5"], types, 0)


def test_price_statistics_per_pool_over_the_window_only() -> None:
    def at(hours_ago: float) -> datetime:
        return NOW - timedelta(hours=hours_ago)

    points = [
        SpotPricePoint("m5.large", "us-east-1a", at(20), 0.040),
        SpotPricePoint("m5.large", "us-east-1a", at(10), 0.044),
        SpotPricePoint("m5.large", "us-east-1a", at(1), 0.044),
        SpotPricePoint("m5.large", "us-east-1a", at(30), 0.100),  # older than the 24 h window
        SpotPricePoint("c5.large", "us-east-1b", at(2), 0.031),
    ]
    stats = price_stats("us-east-1", points, NOW, 24)
    assert [(s.availability_zone, s.instance_type) for s in stats] == [("us-east-1a", "m5.large"),
                                                                        ("us-east-1b", "c5.large")]
    m5 = stats[0]
    assert (m5.samples, m5.minimum, m5.maximum, m5.last, m5.changes) == (3, 0.040, 0.044, 0.044, 1)
    assert m5.mean == pytest.approx(0.042667, abs=1e-6)
    assert m5.stdev == pytest.approx(0.001886, abs=1e-6)  # population stdev of 0.040, 0.044, 0.044
    assert stats[1].as_dict()["stdev"] == 0.0 and stats[1].as_dict()["window_hours"] == 24


class _Market:
    def __init__(self, *, scores_fail: bool = False) -> None:
        self.scores_fail = scores_fail
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def placement_scores(self, configuration: PlacementConfiguration, regions: Sequence[str]) -> list[PlacementScore]:
        self.asked.append((configuration.name, tuple(regions)))
        if self.scores_fail:
            raise RuntimeError("RequestLimitExceeded: new configurations limited for 24 hours")
        return [PlacementScore(configuration.name, "us-east-1", "use1-az1", 9),
                PlacementScore(configuration.name, "us-east-1", "use1-az2", 3)]

    def spot_price_history(self, region: str, since: datetime) -> Iterator[SpotPricePoint]:
        assert since == NOW - timedelta(hours=24)
        yield SpotPricePoint("m5.large", f"{region}a", NOW - timedelta(hours=1), 0.05)


def test_each_ingest_appends_both_kinds_with_the_feature_date() -> None:
    store, market = MemoryMarketObservations(), _Market()
    configs = [PlacementConfiguration("m5", ("m5.large", "m5.xlarge", "m5.2xlarge"), 10)]
    report = MarketRecorder(market, store, FixedClock(NOW), regions=["us-east-1"], configurations=configs).run()
    assert report.as_dict() == {"recorded": {PLACEMENT_SCORES: 2, PRICE_STATS: 1}, "failed": {}}
    assert market.asked == [("m5", ("us-east-1",))]
    kinds = [(kind, at) for kind, at, _ in store.batches]
    assert kinds == [(PLACEMENT_SCORES, NOW), (PRICE_STATS, NOW)]
    assert store.batches[0][2][0] == {"configuration": "m5", "region": "us-east-1",
                                      "availability_zone_id": "use1-az1", "score": 9}
    assert store.batches[1][2][0]["availability_zone"] == "us-east-1a"


def test_a_refused_placement_request_costs_only_its_own_batch() -> None:
    store = MemoryMarketObservations()
    configs = [PlacementConfiguration("m5", ("m5.large", "m5.xlarge", "m5.2xlarge"), 10)]
    report = MarketRecorder(_Market(scores_fail=True), store, FixedClock(NOW), regions=["us-east-1"],
                            configurations=configs).run()
    assert report.recorded == {PRICE_STATS: 1}
    assert "RequestLimitExceeded" in report.failed[PLACEMENT_SCORES]
    assert [kind for kind, _, _ in store.batches] == [PRICE_STATS]
