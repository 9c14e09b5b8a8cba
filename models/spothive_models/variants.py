"""Structure-model variants judged on the time hold-out, with the choice made without the test families.

    PYTHONPATH=layers:models python -m spothive_models.variants [--data-dir ../shared/data] [--folds 5]

Every variant is a structure model trained on the earlier snapshot's cross-section alone (its weights never
see a later label), scored through the horizon layer exactly as the time hold-out of
``spothive_models.experiment`` does: each family fold is forecast with a layer fitted on the other folds'
transition. The variant *chosen* for a fold is the one with the lowest log-loss in a grouped inner CV on
that fold's training transition (its other families), so no choice looks at the pools it is judged on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from spothive_models.candidates import CANDIDATE_FEATURES, NeighbourIndex
from spothive_models.datasets import Catalog, LabeledSnapshot, Source, load_source
from spothive_models.evaluation import auc, expected_calibration_error, log_loss
from spothive_models.features import FEATURE_NAMES, RiskContext
from spothive_models.horizon import BucketChain, fit_horizon_layer, transition_counts
from spothive_models.logistic import fit_logistic
from spothive_models.training import (
    BINARY_PARAMS,
    BINARY_ROUNDS,
    RiskDataset,
    build_dataset,
    cross_section,
    group_folds,
    months_between,
)

#: Neighbour-bucket features a monotone variant forces to raise the risk (more risky neighbours, more risk).
MONOTONE_UP = (
    "type_bucket_other_regions",
    "type_high_share_other_regions",
    "family_region_bucket",
    "adjacent_sizes_bucket",
    "family_bucket_other_types",
    "region_bucket_other_families",
    "variant_bucket",
    "series_size_bucket",
    "size_bucket_region",
    "type_bucket_max_other_regions",
    "type_bucket_min_other_regions",
    "family_region_high_share",
    "region_high_share_other_families",
)
#: Inner folds of the choice (each fits its own chain once; three keep the run short on two cores).
INNER_FOLDS = 3
SMALL_TREES: dict[str, Any] = {"num_leaves": 7, "min_data_in_leaf": 100, "lambda_l2": 10.0}


@dataclass(frozen=True)
class Variant:
    """One structure model: kind, feature columns, target and LightGBM parameter overrides."""

    name: str
    kind: str  # lightgbm | logistic | ensemble (mean of the two standardised scores, each with these settings)
    features: tuple[str, ...] = FEATURE_NAMES
    target: str = "high"  # high: bucket >= 3 (binary) | bucket: the bucket 0..4 (regression)
    params: dict[str, Any] = field(default_factory=dict)
    rounds: int = BINARY_ROUNDS
    monotone: bool = False
    l2: float = 1.0


EXTENDED = (*FEATURE_NAMES, *CANDIDATE_FEATURES)
VARIANTS: tuple[Variant, ...] = (
    Variant("lightgbm (shipped set-up)", "lightgbm"),
    Variant("logistic (shipped set-up)", "logistic"),
    Variant("lightgbm, small trees", "lightgbm", params=SMALL_TREES, rounds=100),
    Variant("lightgbm, monotone neighbours", "lightgbm", monotone=True),
    Variant("lightgbm, bucket regression", "lightgbm", target="bucket"),
    Variant("logistic, L2 10", "logistic", l2=10.0),
    Variant("ensemble", "ensemble"),
    Variant("lightgbm + candidates", "lightgbm", EXTENDED),
    Variant("logistic + candidates", "logistic", EXTENDED),
    Variant("lightgbm + candidates, monotone, small", "lightgbm", EXTENDED, params=SMALL_TREES, rounds=100,
            monotone=True),
    Variant("lightgbm + candidates, bucket regression", "lightgbm", EXTENDED, target="bucket"),
    Variant("ensemble + candidates", "ensemble", EXTENDED),
    Variant("logistic + candidates, L2 10", "logistic", EXTENDED, l2=10.0),
    Variant("ensemble + candidates, monotone, small, L2 10", "ensemble", EXTENDED, params=SMALL_TREES, rounds=100,
            monotone=True, l2=10.0),
)


def feature_matrix(data: RiskDataset, index: NeighbourIndex, names: Sequence[str]) -> np.ndarray:
    """``data``'s served features with the candidate columns appended, in ``names`` order."""
    extra = [index.features(region, itype) for region, itype in data.pools]
    columns = []
    for name in names:
        if name in FEATURE_NAMES:
            columns.append(data.features[:, FEATURE_NAMES.index(name)])
        else:
            columns.append(np.array([row[name] for row in extra], dtype=float))
    return np.column_stack(columns) if columns else np.zeros((len(data.pools), 0))


def fit_variant(variant: Variant, x: np.ndarray, buckets: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Fit on cross-section rows; returns a scorer giving centred structure scores (log-odds scale)."""
    high = (buckets >= 3).astype(float)
    if variant.kind == "ensemble":
        parts = [fit_variant(replace(variant, kind=k), x, buckets) for k in ("lightgbm", "logistic")]
        spreads = [float(np.std(part(x))) or 1.0 for part in parts]
        scale = float(np.mean(spreads))
        return lambda m: np.asarray(sum(part(m) / s for part, s in zip(parts, spreads, strict=True)) / 2 * scale)
    if variant.kind == "logistic":
        model = fit_logistic(x, high, variant.l2)
        raw: Callable[[np.ndarray], np.ndarray] = model.decision
    else:
        import lightgbm as lgb

        params = {**BINARY_PARAMS, **variant.params}
        label = high
        if variant.target == "bucket":
            params["objective"], label = "regression", buckets.astype(float)
        if variant.monotone:
            params["monotone_constraints"] = [int(n in MONOTONE_UP) for n in variant.features]
        booster = lgb.train(params, lgb.Dataset(x, label=label, free_raw_data=False), num_boost_round=variant.rounds)

        def raw(m: np.ndarray) -> np.ndarray:
            return np.asarray(booster.predict(m, raw_score=True, num_threads=1), dtype=float)

    center = float(raw(x).mean())
    return lambda m: raw(m) - center


_CHAINS: dict[tuple[int, bytes], BucketChain] = {}


def _chain(data: RiskDataset, rows: np.ndarray) -> BucketChain:
    """The bucket chain of ``rows``' transition, fitted once per row set (it does not depend on scores)."""
    key = (id(data), rows.tobytes())
    if key not in _CHAINS:
        known = rows[~np.isnan(data.carried[rows])]
        counts = transition_counts(data.carried[known], data.buckets[known])
        _CHAINS[key] = BucketChain.fit(counts, data.gap_months)
    return _CHAINS[key]


def forecast(scores: np.ndarray, data: RiskDataset, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """P(high at the data's horizon) for rows ``test``, the layer fitted on rows ``train``."""
    part = data.subset(train)
    layer = fit_horizon_layer(
        scores[train], part.carried, part.labels, data.gap_months, part.buckets, _chain(data, train)
    )
    layer = layer.with_reference(data.carried[test], scores[test])
    return layer.probability(scores[test], data.carried[test], data.gap_months)


def inner_log_loss(scores: np.ndarray, data: RiskDataset, rows: np.ndarray, folds: int) -> float:
    """Grouped CV log-loss of the layer on ``rows`` alone (the choice never sees the other rows)."""
    families = data.families  # a property that builds the whole list: read it once
    fold_of = group_folds([families[i] for i in rows], folds, seed=7)
    p = np.zeros(len(rows))
    for fold in range(folds):
        test, train = rows[fold_of == fold], rows[fold_of != fold]
        if len(test) and len(train):
            p[fold_of == fold] = forecast(scores, data, train, test)
    return log_loss(data.labels[rows], p)


@dataclass
class VariantResult:
    """Time hold-out figures of one variant (carried pools, and AUC on all pools)."""

    name: str
    auc: float
    log_loss: float
    ece: float
    auc_all: float
    inner_log_loss: float


def metrics(name: str, data: RiskDataset, p: np.ndarray, inner: float) -> VariantResult:
    """Figures of one probability vector on ``data``."""
    known = ~np.isnan(data.carried)
    y = data.labels
    return VariantResult(name, auc(y[known], p[known]), log_loss(y[known], p[known]),
                         expected_calibration_error(y[known], p[known]), auc(y, p), inner)


def compare(
    sources: Sequence[Source],
    test: LabeledSnapshot,
    variants: Sequence[Variant] = VARIANTS,
    folds: int = 5,
    inner_folds: int = INNER_FOLDS,
) -> list[VariantResult]:
    """Every variant's time hold-out figures, then the per-fold choice by inner CV and both baselines."""
    assert test.taken_at is not None
    snapshot = max((s for s in sources if isinstance(s, LabeledSnapshot) and s.taken_at), key=lambda s: s.taken_at)  # type: ignore[arg-type, return-value]
    context = RiskContext.from_sources(sources, before=test.taken_at)
    data = build_dataset(context, test, months_between(snapshot.taken_at, test.taken_at))
    earlier = cross_section(snapshot, [s for s in sources if isinstance(s, Catalog)])
    index = NeighbourIndex(snapshot.buckets, snapshot.savings)
    fold_of = group_folds(data.families, folds)
    results: list[VariantResult] = []
    probabilities: dict[str, np.ndarray] = {}
    inner: dict[str, list[float]] = {}
    for variant in variants:
        print(f"variant: {variant.name}", file=sys.stderr, flush=True)
        scorer = fit_variant(variant, feature_matrix(earlier, index, variant.features), earlier.buckets)
        scores = scorer(feature_matrix(data, index, variant.features))
        p = np.zeros(len(data.pools))
        inner[variant.name] = []
        for fold in range(folds):
            test_rows, train_rows = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            p[test_rows] = forecast(scores, data, train_rows, test_rows)
            inner[variant.name].append(inner_log_loss(scores, data, train_rows, inner_folds))
        probabilities[variant.name] = p
        results.append(metrics(variant.name, data, p, float(np.mean(inner[variant.name]))))
    chosen = np.zeros(len(data.pools))
    picks = []
    for fold in range(folds):
        best = min(inner, key=lambda name: inner[name][fold])
        picks.append(best)
        chosen[fold_of == fold] = probabilities[best][fold_of == fold]
    results.append(metrics(f"chosen per fold by inner CV: {', '.join(sorted(set(picks)))}", data, chosen, float("nan")))
    known = ~np.isnan(data.carried)
    carried = np.where(known, data.carried, 2.0)
    results.append(VariantResult("baseline: bucket carried", auc(data.labels[known], carried[known]),
                                 float("nan"), float("nan"), auc(data.labels, carried), float("nan")))
    return results


def format_results(results: Sequence[VariantResult]) -> str:
    """A fixed-width table of :func:`compare`'s rows."""
    lines = [f"{'variant':<48}{'AUC':>7}{'logloss':>9}{'ECE':>7}{'AUC all':>9}{'inner LL':>10}"]
    for r in results:
        lines.append(f"{r.name:<48}{r.auc:>7.3f}{r.log_loss:>9.3f}{r.ece:>7.3f}{r.auc_all:>9.3f}{r.inner_log_loss:>10.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: print the variant table."""
    parser = argparse.ArgumentParser(prog="python -m spothive_models.variants", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    sources = [load_source(args.data_dir / n) for n in ("spot-advisor-data_2021-02.json", "ec2_instance_types_karpenter.csv")]
    test = load_source(args.data_dir / "spotlake_snapshot_2022-07-12.csv")
    assert isinstance(test, LabeledSnapshot)
    print(format_results(compare(sources, test, folds=args.folds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
