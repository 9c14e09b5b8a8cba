"""How well predicted interruption probabilities match what happened (for comparing models in A/B tests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

#: Reliability bins over [0, 1]: predictions are grouped by probability and each bin's mean is set beside
#: the observed rate of its instances.
BIN_EDGES = (0.0, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Brier score, mean prediction against observed rate, and the reliability bins."""

    predictions: int
    mean_predicted: float | None
    observed_rate: float | None
    brier: float | None
    bins: tuple[dict[str, float | int], ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"predictions": self.predictions, "mean_predicted": self.mean_predicted,
                "observed_rate": self.observed_rate, "brier": self.brier, "bins": list(self.bins)}


def calibration(pairs: Sequence[tuple[float, bool]]) -> Calibration:
    """``pairs`` of (predicted probability, interrupted afterwards?)."""
    if not pairs:
        return Calibration(0, None, None, None, ())
    n = len(pairs)
    mean_p = sum(p for p, _ in pairs) / n
    rate = sum(1 for _, hit in pairs if hit) / n
    brier = sum((p - (1.0 if hit else 0.0)) ** 2 for p, hit in pairs) / n
    bins: list[dict[str, float | int]] = []
    for low, high in pairwise(BIN_EDGES):
        inside = [(p, hit) for p, hit in pairs if low <= p < high or (high == 1.0 and p == 1.0)]
        if inside:
            bins.append({"low": low, "high": high, "count": len(inside),
                         "mean_predicted": round(sum(p for p, _ in inside) / len(inside), 4),
                         "observed_rate": round(sum(1 for _, h in inside if h) / len(inside), 4)})
    return Calibration(n, round(mean_p, 4), round(rate, 4), round(brier, 4), tuple(bins))
