"""Calibration figures recomputed in plain Python, apart from ``spothive_models`` (the bench's validator).

The recalibration bench prints the figures the model package reports; this module recomputes them from the
raw forecasts and labels with its own arithmetic (no NumPy, no shared helper), and applies a served
``logit p' = a + b·logit p`` map itself, so a wrong figure or a map that makes the forecast worse shows up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: A log-loss depends on where forecasts are clipped; the served model clips at 1e-6, so this does too.
LOG_LOSS_CLIP = 1e-6


def ece(labels: Sequence[float], probs: Sequence[float], bins: int = 10) -> float:
    """Count-weighted |mean forecast - observed rate| over ten equal-width bins (p = 1 in the last)."""
    sums: dict[int, list[float]] = {}
    for y, p in zip(labels, probs, strict=True):
        cell = sums.setdefault(min(int(p * bins), bins - 1), [0.0, 0.0, 0.0])
        cell[0] += 1
        cell[1] += p
        cell[2] += y
    total = sum(c[0] for c in sums.values())
    return sum(abs(c[1] - c[2]) for c in sums.values()) / total


def log_loss(labels: Sequence[float], probs: Sequence[float]) -> float:
    """Mean binary cross-entropy, natural log."""
    total = 0.0
    for y, p in zip(labels, probs, strict=True):
        q = min(max(p, LOG_LOSS_CLIP), 1 - LOG_LOSS_CLIP)
        total -= y * math.log(q) + (1 - y) * math.log(1 - q)
    return total / len(labels)


def brier(labels: Sequence[float], probs: Sequence[float]) -> float:
    """Mean squared error of the forecast."""
    return sum((p - y) ** 2 for y, p in zip(labels, probs, strict=True)) / len(labels)


def apply_map(probs: Sequence[float], intercept: float, slope: float, clip: float = 1e-6) -> list[float]:
    """The served map applied to each forecast."""
    out = []
    for p in probs:
        q = min(max(p, clip), 1 - clip)
        z = intercept + slope * math.log(q / (1 - q))
        out.append(1 / (1 + math.exp(-z)))
    return out


def recheck(
    labels: Sequence[float], probs: Sequence[float], reported: dict[str, float], tolerance: float = 1e-4
) -> list[str]:
    """Differences between ``reported`` (ece, log_loss, brier) and the figures recomputed here."""
    mine = {"ece": ece(labels, probs), "log_loss": log_loss(labels, probs), "brier": brier(labels, probs)}
    return [
        f"{k}: reported {reported[k]:.6f}, recomputed {v:.6f}"
        for k, v in mine.items()
        if abs(reported[k] - v) > tolerance
    ]
