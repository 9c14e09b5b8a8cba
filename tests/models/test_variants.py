"""Candidate neighbour features (exact values on a tiny snapshot) and the variant comparison harness."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from spothive_models.candidates import CANDIDATE_FEATURES, NeighbourIndex
from spothive_models.datasets import LabeledSnapshot, load_source
from spothive_models.experiment import evaluate
from spothive_models.variants import EXTENDED, Variant, compare, fit_variant

BUCKETS = {
    ("r1", "m5.large"): 0,
    ("r1", "m5.xlarge"): 2,
    ("r1", "m5a.large"): 4,
    ("r1", "m4.large"): 3,
    ("r1", "c5.large"): 1,
    ("r2", "m5.large"): 4,
    ("r3", "m5.large"): 1,
}
SAVINGS = {("r1", "m5.large"): 70.0, ("r1", "m5.xlarge"): 60.0, ("r2", "m5.large"): 50.0, ("r3", "m5.large"): 40.0}


def test_candidate_features_leave_the_pool_out() -> None:
    # Given a tiny snapshot, When m5.large in r1 is described by its neighbours
    feats = NeighbourIndex(BUCKETS, SAVINGS).features("r1", "m5.large")
    # Then its own bucket 0 enters none of them
    assert set(feats) == set(CANDIDATE_FEATURES)
    assert feats["variant_bucket"] == 4.0  # m5a.large: same series, generation and size
    assert feats["series_size_bucket"] == 3.0  # m4.large: another generation
    assert feats["size_bucket_region"] == pytest.approx(8 / 3)  # m5a, m4, c5 .large
    assert (feats["type_bucket_max_other_regions"], feats["type_bucket_min_other_regions"]) == (4.0, 1.0)
    assert feats["family_region_high_share"] == 0.0  # m5.xlarge is bucket 2
    assert feats["region_high_share_other_families"] == pytest.approx(2 / 3)
    assert feats["savings_vs_family_region"] == 10.0  # 70 - 60
    assert feats["type_savings_other_regions"] == 45.0
    assert feats["region_pools"] == 5.0


def test_candidate_features_of_a_new_pool_and_an_unparsable_type() -> None:
    index = NeighbourIndex(BUCKETS, SAVINGS)
    new = index.features("r2", "m5a.large")  # not in the snapshot: every neighbour counts
    assert new["variant_bucket"] == 4.0 and new["type_bucket_max_other_regions"] == 4.0
    assert math.isnan(new["savings_vs_family_region"]) and new["region_pools"] == 1.0
    odd = index.features("r1", "u-6tb1.metal")
    assert math.isnan(odd["variant_bucket"]) and math.isnan(odd["size_bucket_region"])
    assert odd["region_high_share_other_families"] == pytest.approx(2 / 5)


def test_ensemble_scores_are_centred_means_of_both_kinds() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, len(EXTENDED)))
    buckets = np.clip(np.rint(2 + x[:, 1] + 0.5 * rng.normal(size=300)), 0, 4)
    scorer = fit_variant(Variant("e", "ensemble", EXTENDED), x, buckets)
    scores = scorer(x)
    assert abs(scores.mean()) < 1e-9  # centred on the training rows
    assert np.corrcoef(scores, x[:, 1])[0, 1] > 0.5  # ranks with the informative column


def test_shipped_variant_reproduces_the_cli_time_holdout(synthetic: dict[str, Path]) -> None:
    # Given the synthetic earlier feed and catalog, When the shipped logistic set-up runs through both harnesses
    sources = [load_source(synthetic["advisor"]), load_source(synthetic["catalog"])]
    test = load_source(synthetic["spotlake"])
    assert isinstance(test, LabeledSnapshot)
    only = Variant("logistic (shipped set-up)", "logistic")
    rows = compare(sources, test, [only], folds=2, inner_folds=2)
    block = evaluate(sources, test, folds=2, kinds=("logistic",)).blocks[0]
    reference = {r.name: r for r in block.rows(known_only=True)}["model (logistic)"]
    # Then the variant's figures are the CLI's time hold-out figures, and one variant is always chosen
    assert rows[0].auc == pytest.approx(reference.auc)
    assert rows[0].log_loss == pytest.approx(reference.log_loss)
    assert rows[1].name == "chosen per fold by inner CV: logistic (shipped set-up)"
    assert (rows[1].auc, rows[1].log_loss) == pytest.approx((rows[0].auc, rows[0].log_loss))
    assert rows[2].name == "baseline: bucket carried"
