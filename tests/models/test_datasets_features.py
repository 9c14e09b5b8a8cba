"""Loaders and feature extraction on synthetic files."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spothive_models.datasets import (
    IF_TO_BUCKET,
    Catalog,
    LabeledSnapshot,
    PriceHistory,
    load_source,
)
from spothive_models.features import FEATURE_NAMES, RiskContext, pool_features, price_stats, to_matrix


def test_if_grades_map_to_advisor_buckets() -> None:
    assert IF_TO_BUCKET == {3.0: 0, 2.5: 1, 2.0: 2, 1.5: 3, 1.0: 4}


def test_formats_are_detected(synthetic: dict[str, Path]) -> None:
    assert isinstance(load_source(synthetic["advisor"]), LabeledSnapshot)
    assert isinstance(load_source(synthetic["spotlake"]), LabeledSnapshot)
    assert isinstance(load_source(synthetic["prices"]), PriceHistory)
    assert isinstance(load_source(synthetic["catalog"]), Catalog)


def test_unknown_csv_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="unrecognised format"):
        load_source(path)


def test_advisor_feed_reads_linux_only_and_dates_from_name(synthetic: dict[str, Path]) -> None:
    feed = load_source(synthetic["advisor"])
    assert isinstance(feed, LabeledSnapshot)
    assert feed.taken_at == datetime(2021, 1, 1, tzinfo=UTC)
    assert len(feed.buckets) == 3 * 8 * 5
    assert feed.buckets[("us-east-1", "c5.large")] == 0  # Windows' r=4 is ignored
    assert feed.savings[("eu-west-1", "m5.8xlarge")] == 80.0


def test_spotlake_maps_if_and_averages_sps(synthetic: dict[str, Path]) -> None:
    snap = load_source(synthetic["spotlake"])
    assert isinstance(snap, LabeledSnapshot)
    assert snap.taken_at == datetime(2021, 6, 1, tzinfo=UTC)
    assert len(snap.buckets) == 120
    assert set(snap.buckets.values()) <= {0, 1, 2, 3, 4}
    assert snap.placement_scores[("us-east-1", "c5.large")] in (2.0, 3.0)


def test_prices_group_by_region_and_az(synthetic: dict[str, Path]) -> None:
    prices = load_source(synthetic["prices"])
    assert isinstance(prices, PriceHistory)
    assert prices.series[("us-east-1", "c5.large")] == {"use1-az1": [0.04, 0.05], "use1-az2": [0.04, 0.05]}


def test_context_drops_sources_not_before_cutoff(synthetic: dict[str, Path]) -> None:
    sources = [load_source(synthetic[k]) for k in ("advisor", "advisor_later", "catalog")]
    early = RiskContext.from_sources(sources, before=datetime(2021, 6, 1, tzinfo=UTC))
    late = RiskContext.from_sources(sources)
    assert early.buckets[("us-east-1", "m5.8xlarge")] == 1  # (0 + 1 + 4) // 3
    assert late.buckets == load_source(synthetic["advisor_later"]).buckets  # the newer feed wins
    assert "c5.large" in early.catalog


def test_pool_features_concrete_values(synthetic: dict[str, Path]) -> None:
    ctx = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "prices", "catalog")])
    feats = pool_features("us-east-1", "m5.2xlarge", ctx)
    # early bucket = (region + family + size) // 3: m5 is family 1, 2xlarge size 2, us-east-1 region 0
    assert feats["advisor_bucket"] == 1.0  # a helper value, not a model feature
    assert "advisor_bucket" not in FEATURE_NAMES
    # other regions: eu (1+1+2)//3 = 1, ap (2+1+2)//3 = 1
    assert feats["type_bucket_other_regions"] == 1.0
    assert feats["type_regions_known"] == 2.0
    # family in the region without the pool: sizes 0,1,3,4 → (1)//3, 2//3, 4//3, 5//3 = 0, 0, 1, 1
    assert feats["family_region_bucket"] == 0.5
    # nearest sizes: xlarge (0) and 4xlarge (1)
    assert feats["adjacent_sizes_bucket"] == 0.5
    assert feats["generation"] == 5.0 and feats["size_rank"] == 6.0
    assert feats["burstable"] == 0.0 and feats["accelerated"] == 0.0
    assert feats["vcpu"] == 8.0 and feats["memory_gib"] == 32.0 and feats["memory_per_vcpu"] == 4.0
    assert feats["on_demand_price"] == pytest.approx(0.8)
    assert feats["spot_to_od_ratio"] == pytest.approx(0.135 / 0.8)
    assert feats["price_azs"] == 2.0


def test_neighbour_aggregates_leave_the_pool_out(synthetic: dict[str, Path]) -> None:
    ctx = RiskContext.from_sources([load_source(synthetic["advisor"])])
    before = pool_features("us-east-1", "m5.2xlarge", ctx)
    ctx.buckets[("us-east-1", "m5.2xlarge")] = 4  # the pool's own bucket changes
    after = pool_features("us-east-1", "m5.2xlarge", RiskContext(ctx.buckets, ctx.savings))
    for name in FEATURE_NAMES:
        assert before[name] == after[name] or (math.isnan(before[name]) and math.isnan(after[name])), name
    # …but its neighbours see it: the same family's next size up in the region
    neighbour = pool_features("us-east-1", "m5.4xlarge", RiskContext(ctx.buckets, ctx.savings))
    assert neighbour["adjacent_sizes_bucket"] == (4 + 1) / 2  # 2xlarge (now 4) and 8xlarge (1)
    assert neighbour["region_bucket_other_families"] == before["region_bucket_other_families"]


def test_request_overrides_context(synthetic: dict[str, Path]) -> None:
    ctx = RiskContext.from_sources([load_source(synthetic["catalog"])])
    feats = pool_features(
        "us-east-1",
        "c5.large",
        ctx,
        {
            "advisor_bucket": 4,
            "spot_price_history": [0.1, 0.3],
            "on_demand_price": 0.4,
            "live_interruptions": 2,
        },
    )
    assert feats["advisor_bucket"] == 4.0
    assert feats["spot_to_od_ratio"] == pytest.approx(0.5)
    assert feats["price_cv"] == pytest.approx(0.5)
    assert feats["live_interruptions"] == 2.0
    assert math.isnan(feats["type_bucket_other_regions"])


def test_price_stats() -> None:
    stats = price_stats([1.0, 2.0, 3.0])
    assert stats["price_mean"] == 2.0 and stats["price_min"] == 1.0 and stats["price_max"] == 3.0
    assert stats["price_trend"] == pytest.approx(0.5)  # slope 1 per step / mean 2
    assert math.isnan(price_stats([])["price_mean"])


def test_matrix_order_and_unknowns() -> None:
    matrix = to_matrix([{"advisor_savings": 2.0, "advisor_bucket": 3.0}])
    assert matrix.shape == (1, len(FEATURE_NAMES))
    assert matrix[0, 0] == 2.0 and math.isnan(matrix[0, 1])
