"""Datasets and fits: the structure model (LightGBM or logistic) and the horizon layer on top of it.

Two kinds of rows:

- a *cross-section* of one labeled snapshot: features from that snapshot with the pool itself left out
  (leave-one-out neighbour buckets) plus the catalog; label: the pool's own bucket >= 3. It teaches the
  structure model what makes a pool risky, independently of any horizon.
- a *transition*: features and the carried bucket from an earlier context, label from a later snapshot
  ``gap`` months on. It fits the bucket chain and the horizon layer's weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spothive_models.datasets import HIGH_BUCKET, Catalog, LabeledSnapshot, Pool, Source
from spothive_models.features import FEATURE_NAMES, RiskContext, pool_features, to_matrix
from spothive_models.horizon import DAYS_PER_MONTH, HorizonLayer, fit_horizon_layer
from spothive_models.logistic import LogisticModel, fit_logistic

SEED = 20220712
KINDS = ("lightgbm", "logistic")

#: Small, regularised trees: a few thousand pools per snapshot, and the artifact must stay small.
BINARY_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
BINARY_ROUNDS = 150
LOGISTIC_L2 = 1.0


@dataclass
class RiskDataset:
    """Rows of one labeled snapshot with features from a context (its own, or an earlier one)."""

    pools: list[Pool]
    features: np.ndarray
    buckets: np.ndarray  # bucket 0..4 of the label snapshot
    carried: np.ndarray  # bucket the context knew (NaN when unknown; NaN everywhere for a cross-section)
    gap_months: float = 0.0

    @property
    def labels(self) -> np.ndarray:
        """1 when the label bucket is high (>= 3, over 15 % interruptions a month)."""
        return (self.buckets >= HIGH_BUCKET).astype(float)

    @property
    def families(self) -> list[str]:
        """Instance family of each row (``m5`` for ``m5.large``)."""
        return [itype.split(".", 1)[0] for _, itype in self.pools]

    def subset(self, index: np.ndarray) -> RiskDataset:
        """Rows at ``index``."""
        return RiskDataset(
            [self.pools[i] for i in index],
            self.features[index],
            self.buckets[index],
            self.carried[index],
            self.gap_months,
        )


def months_between(earlier: Any, later: Any) -> float:
    """Months (30.44 days) from one datetime to another."""
    return float((later - earlier).total_seconds() / 86400.0 / DAYS_PER_MONTH)


def build_dataset(context: RiskContext, labels: LabeledSnapshot, gap_months: float = 0.0) -> RiskDataset:
    """A transition: features from ``context`` for every pool ``labels`` grades, sorted for determinism."""
    pools = sorted(labels.buckets)
    rows = [pool_features(region, itype, context) for region, itype in pools]
    carried = np.array([context.buckets.get(pool, np.nan) for pool in pools], dtype=float)
    buckets = np.array([labels.buckets[pool] for pool in pools], dtype=int)
    return RiskDataset(pools, to_matrix(rows), buckets, carried, gap_months)


def cross_section(
    snapshot: LabeledSnapshot, sources: Sequence[Source], exclude: set[Pool] | None = None
) -> RiskDataset:
    """A cross-section of ``snapshot``; pools in ``exclude`` are neither rows nor anyone's neighbours."""
    keep = {p: b for p, b in snapshot.buckets.items() if not exclude or p not in exclude}
    own = LabeledSnapshot(snapshot.name, snapshot.taken_at, keep, dict(snapshot.savings))
    catalogs = [s for s in sources if isinstance(s, Catalog)]
    data = build_dataset(RiskContext.from_sources([own, *catalogs]), own)
    return RiskDataset(data.pools, data.features, data.buckets, np.full(len(data.pools), np.nan))


def concat(parts: Sequence[RiskDataset]) -> RiskDataset:
    """Rows of several datasets in order (the first one's gap is kept)."""
    return RiskDataset(
        [p for part in parts for p in part.pools],
        np.vstack([part.features for part in parts]),
        np.concatenate([part.buckets for part in parts]),
        np.concatenate([part.carried for part in parts]),
        parts[0].gap_months if parts else 0.0,
    )


class StructureModel:
    """P(high | structure) as a centred log-odds score; LightGBM booster or logistic regression."""

    def __init__(self, kind: str, model: Any, center: float) -> None:
        """Use :func:`fit_structure` or the artifact loader."""
        if kind not in KINDS:
            raise ValueError(f"unknown structure model kind {kind!r}")
        self.kind, self.model, self.center = kind, model, center

    def log_odds(self, features: np.ndarray) -> np.ndarray:
        """Uncentred log-odds per row."""
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        if self.kind == "logistic":
            return np.asarray(self.model.decision(matrix))
        # One thread: batches are small; OpenMP spin-waiting on a busy host costs more than it saves.
        raw = self.model.predict(matrix, raw_score=True, validate_features=False, num_threads=1)
        return np.asarray(raw, dtype=float)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Centred log-odds (mean 0 over the training rows)."""
        return self.log_odds(features) - self.center

    def to_text(self) -> str:
        """LightGBM model text, or the logistic coefficients as JSON."""
        if self.kind == "logistic":
            import json

            return json.dumps(self.model.to_dict(), indent=1, sort_keys=True) + "\n"
        return str(self.model.model_to_string())

    @classmethod
    def from_text(cls, kind: str, text: str, center: float) -> StructureModel:
        """Inverse of :meth:`to_text`."""
        if kind == "logistic":
            import json

            return cls(kind, LogisticModel.from_dict(json.loads(text)), center)
        import lightgbm

        return cls(kind, lightgbm.Booster(model_str=text), center)


def fit_structure(data: RiskDataset, kind: str = "lightgbm") -> StructureModel:
    """Fit the structure model on cross-section rows."""
    if kind == "logistic":
        model: Any = fit_logistic(data.features, data.labels, LOGISTIC_L2)
    elif kind == "lightgbm":
        import lightgbm as lgb

        train = lgb.Dataset(data.features, label=data.labels, feature_name=list(FEATURE_NAMES), free_raw_data=False)
        model = lgb.train(BINARY_PARAMS, train, num_boost_round=BINARY_ROUNDS)
    else:
        raise ValueError(f"unknown structure model kind {kind!r}")
    fitted = StructureModel(kind, model, 0.0)
    fitted.center = float(fitted.log_odds(data.features).mean())
    return fitted


@dataclass
class Forecaster:
    """Structure model + horizon layer: P(bucket >= 3 after h months)."""

    structure: StructureModel
    layer: HorizonLayer

    def predict(self, features: np.ndarray, carried: np.ndarray, months: float) -> np.ndarray:
        """P(high after ``months``) per row; these rows' own buckets are the reference for ``c(h)``."""
        scores = self.structure.score(features)
        return self.layer.with_reference(carried, scores).probability(scores, carried, months)

    def bucket_probabilities(self, features: np.ndarray, carried: np.ndarray, months: float) -> np.ndarray:
        """Bucket distribution per row (n x 5), consistent with :meth:`predict`."""
        return self.layer.bucket_probabilities(self.predict(features, carried, months), carried, months)


def out_of_fold_scores(data: RiskDataset, kind: str, folds: int = 3) -> np.ndarray:
    """Structure scores of ``data``'s rows, each from a model fitted on the other family-grouped folds."""
    fold_of = group_folds(data.families, folds)
    scores = np.zeros(len(data.pools))
    for fold in range(folds):
        test, train = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
        if len(test) and len(train):
            scores[test] = fit_structure(data.subset(train), kind).score(data.features[test])
    return scores


def fit_forecaster(transition: RiskDataset, kind: str = "lightgbm", inner_folds: int = 3) -> Forecaster:
    """Structure model and horizon layer, both on one transition.

    The layer is fitted on out-of-fold structure scores (in-sample scores are sharper than any new pool's
    would be), then the structure model is refitted on every row.
    """
    scores = out_of_fold_scores(transition, kind, inner_folds)
    layer = fit_horizon_layer(scores, transition.carried, transition.labels, transition.gap_months, transition.buckets)
    structure = fit_structure(transition, kind)
    # the refitted model is centred on its own training rows; the layer expects the out-of-fold scale
    return Forecaster(structure, layer)


def group_folds(groups: Sequence[str], n_folds: int, seed: int = SEED) -> np.ndarray:
    """Fold number per row; every group lands in one fold (groups shuffled with a fixed seed)."""
    unique = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: i % n_folds for i, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups], dtype=int)
