"""Metrics (AUC, log-loss, ECE, macro-F1), the two baselines, and the metrics table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spothive.domain.risk_baseline import STATIC_BUCKET_PROBABILITY, UNKNOWN_BUCKET_PROBABILITY
from spothive_models.datasets import HIGH_BUCKET

#: Probabilities are clipped to [EPS, 1 - EPS] before log-loss.
EPS = 1e-6
#: The carried-forward baseline is a hard call; as a probability it says 1 - CARRIED_EPS or CARRIED_EPS.
CARRIED_EPS = 0.05


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties sharing their mean rank; NaN with one class."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=float)
    sorted_scores = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean binary cross-entropy (natural log)."""
    y = np.asarray(labels, dtype=float)
    p = np.clip(np.asarray(probabilities, dtype=float), EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability table."""

    low: float
    high: float
    count: int
    mean_predicted: float
    observed_rate: float


def reliability_table(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1]; p = 1.0 falls in the last bin; empty bins are left out."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            table.append(
                ReliabilityBin(
                    b / bins, (b + 1) / bins, int(mask.sum()), float(p[mask].mean()), float(y[mask].mean())
                )
            )
    return table


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> float:
    """ECE: count-weighted mean |mean predicted - observed rate| over equal-width bins."""
    table = reliability_table(labels, probabilities, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return float("nan")
    return float(sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in table) / total)


def macro_f1(truth: Sequence[int] | np.ndarray, predicted: Sequence[int] | np.ndarray) -> float:
    """Unweighted mean F1 over every class present in ``truth`` or ``predicted``."""
    t = np.asarray(truth)
    p = np.asarray(predicted)
    scores = []
    for cls in np.union1d(t, p):
        tp = float(np.sum((t == cls) & (p == cls)))
        fp = float(np.sum((t != cls) & (p == cls)))
        fn = float(np.sum((t == cls) & (p != cls)))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(scores)) if scores else float("nan")


def carried_forward(carried: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline 1, the last known bucket as the prediction: (ranking score, probability, bucket).

    Ranking uses the bucket itself (unknown pools rank as bucket 2); the probability is the hard call
    ``bucket >= 3`` softened to 1 - CARRIED_EPS / CARRIED_EPS (0.5 when unknown).
    """
    known = ~np.isnan(carried)
    bucket = np.where(known, carried, 2.0)
    probability = np.where(known, np.where(bucket >= HIGH_BUCKET, 1 - CARRIED_EPS, CARRIED_EPS), 0.5)
    return bucket, probability, np.rint(bucket).astype(int)


def static_table(carried: np.ndarray) -> np.ndarray:
    """Baseline 2, the static bucket → probability table applied to the last known bucket."""
    return np.array(
        [UNKNOWN_BUCKET_PROBABILITY if np.isnan(b) else STATIC_BUCKET_PROBABILITY[int(b)] for b in carried]
    )


@dataclass(frozen=True)
class MetricsRow:
    """One predictor's scores on one evaluation set."""

    name: str
    n: int
    auc: float
    log_loss: float
    ece: float
    macro_f1: float
    bucket_macro_f1: float


def score(
    name: str,
    buckets: np.ndarray,
    ranking: np.ndarray,
    probability: np.ndarray,
    predicted_bucket: np.ndarray | None,
) -> MetricsRow:
    """All metrics for one predictor; macro-F1 of high/not-high at p > 0.5, bucket macro-F1 over 0..4."""
    labels = (buckets >= HIGH_BUCKET).astype(int)
    return MetricsRow(
        name=name,
        n=len(labels),
        auc=auc(labels, ranking),
        log_loss=log_loss(labels, probability),
        ece=expected_calibration_error(labels, probability),
        macro_f1=macro_f1(labels, (probability > 0.5).astype(int)),
        bucket_macro_f1=macro_f1(buckets, predicted_bucket) if predicted_bucket is not None else float("nan"),
    )


def format_table(rows: Sequence[MetricsRow], title: str = "") -> str:
    """A fixed-width text table."""
    lines = [title] if title else []
    lines.append(f"{'predictor':<28}{'n':>7}{'AUC':>8}{'logloss':>9}{'ECE':>8}{'macroF1':>9}{'bucketF1':>10}")
    for r in rows:
        lines.append(
            f"{r.name:<28}{r.n:>7}{r.auc:>8.3f}{r.log_loss:>9.3f}{r.ece:>8.3f}{r.macro_f1:>9.3f}"
            f"{r.bucket_macro_f1:>10.3f}"
        )
    return "\n".join(lines)


def format_reliability(labels: np.ndarray, probabilities: np.ndarray, title: str = "", bins: int = 10) -> str:
    """A reliability table (bin, pools, mean p, observed high share) and its ECE."""
    table = reliability_table(labels, probabilities, bins)
    lines = [title] if title else []
    lines.append(f"{'p bin':<10}{'pools':>7}{'mean p':>9}{'observed':>10}")
    for b in table:
        lines.append(f"{b.low:.1f}-{b.high:.1f}   {b.count:>7}{b.mean_predicted:>9.3f}{b.observed_rate:>10.3f}")
    lines.append(f"ECE {expected_calibration_error(labels, probabilities, bins):.3f}")
    return "\n".join(lines)
