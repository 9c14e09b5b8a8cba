"""Training with LightGBM's native API: datasets from a context and a later labeled snapshot, fits, folds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spothive_models.datasets import HIGH_BUCKET, LabeledSnapshot, Pool
from spothive_models.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    RiskContext,
    pool_features,
    to_matrix,
)

SEED = 20220712

#: Small, regularised trees: the data is a few thousand pools and the artifact must stay small.
BINARY_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 20.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
BINARY_ROUNDS = 100
BUCKET_PARAMS: dict[str, Any] = {
    **BINARY_PARAMS,
    "objective": "multiclass",
    "num_class": 5,
    "num_leaves": 7,
    "learning_rate": 0.08,
}
BUCKET_ROUNDS = 25


@dataclass
class RiskDataset:
    """Rows of one labeled snapshot with features from an earlier context."""

    pools: list[Pool]
    features: np.ndarray
    buckets: np.ndarray  # later bucket 0..4 (the label source)
    carried: np.ndarray  # bucket the context knew (NaN when the pool was unknown)

    @property
    def labels(self) -> np.ndarray:
        """1 when the later bucket is high (>= 3, over 15 % interruptions a month)."""
        return (self.buckets >= HIGH_BUCKET).astype(float)

    @property
    def families(self) -> list[str]:
        """Instance family of each row (``m5`` for ``m5.large``)."""
        return [itype.split(".", 1)[0] for _, itype in self.pools]

    def subset(self, index: np.ndarray) -> RiskDataset:
        """Rows at ``index``."""
        return RiskDataset(
            [self.pools[i] for i in index], self.features[index], self.buckets[index], self.carried[index]
        )


def build_dataset(context: RiskContext, labels: LabeledSnapshot) -> RiskDataset:
    """Features from ``context`` for every pool ``labels`` grades, sorted for determinism."""
    pools = sorted(labels.buckets)
    rows = [pool_features(region, itype, context) for region, itype in pools]
    carried = np.array([context.buckets.get(pool, np.nan) for pool in pools], dtype=float)
    buckets = np.array([labels.buckets[pool] for pool in pools], dtype=int)
    return RiskDataset(pools, to_matrix(rows), buckets, carried)


def _lgb() -> Any:
    import lightgbm

    return lightgbm


def fit_binary(data: RiskDataset, rounds: int = BINARY_ROUNDS) -> Any:
    """Fit the P(high) booster."""
    lgb = _lgb()
    train = lgb.Dataset(
        data.features,
        label=data.labels,
        feature_name=list(FEATURE_NAMES),
        categorical_feature=list(CATEGORICAL_FEATURES),
        free_raw_data=False,
    )
    return lgb.train(BINARY_PARAMS, train, num_boost_round=rounds)


def fit_buckets(data: RiskDataset, rounds: int = BUCKET_ROUNDS) -> Any:
    """Fit the five-class bucket booster (used for the expected bucket)."""
    lgb = _lgb()
    train = lgb.Dataset(
        data.features,
        label=data.buckets,
        feature_name=list(FEATURE_NAMES),
        categorical_feature=list(CATEGORICAL_FEATURES),
        free_raw_data=False,
    )
    return lgb.train(BUCKET_PARAMS, train, num_boost_round=rounds)


def group_folds(groups: Sequence[str], n_folds: int, seed: int = SEED) -> np.ndarray:
    """Fold number per row; every group lands in one fold (groups shuffled with a fixed seed)."""
    unique = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: i % n_folds for i, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups], dtype=int)


def cross_fit(data: RiskDataset, groups: Sequence[str], n_folds: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold P(high) and bucket probabilities (n x 5).

    Each row is scored by models that never saw its group.
    """
    folds = group_folds(groups, n_folds)
    probability = np.zeros(len(data.pools))
    expected = np.zeros((len(data.pools), 5))
    for fold in range(n_folds):
        test = np.flatnonzero(folds == fold)
        train = np.flatnonzero(folds != fold)
        if len(test) == 0 or len(train) == 0:
            continue
        part = data.subset(train)
        probability[test] = fit_binary(part).predict(data.features[test])
        expected[test] = fit_buckets(part).predict(data.features[test])
    return probability, expected
