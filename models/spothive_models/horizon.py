"""Horizon-aware forecasts: a monthly bucket transition matrix and the layer that turns scores into P(high at h).

The Advisor bucket of a pool is treated as a continuous-time Markov chain with generator ``Q`` (per month),
fitted by maximum likelihood to the bucket counts between two snapshots ``gap`` months apart. The monthly
matrix is ``M = expm(Q)`` and its fractional power ``M**h = expm(h Q)`` is a proper transition matrix for
every real ``h >= 0``. (A direct matrix root of the observed 17-month matrix is complex: it has a negative
eigenvalue.)

The forecast for a pool with last known bucket ``b``, structure score ``s`` and horizon ``h`` months, for a
layer fitted on a transition ``H`` months long::

    model(h) = k * (alpha * logit(chain_H(b)) + beta_b * s),   k = min(1, exp(rate * (h - H)))
    logit P(high at h) = c(h) + (1 - w(h)) * model(h) + w(h) * logit(chain_h(b))      (b known)
    logit P(high at h) = c(h) + k * (offset_new + beta_new * s)                       (b unknown)
    w(h) = (exp(rate * h) - exp(rate * H)) / (1 - exp(rate * H)) for h < H, else 0

``chain_h(b)`` is the share of ``M**h``'s row ``b`` in buckets >= 3 and ``rate`` the generator's slowest
eigenvalue (the chain's memory decays as ``exp(rate * h)``). A one-day forecast is the current bucket
carried through the chain, the training horizon's is the learned model, and beyond ``H`` everything but
the intercept shrinks by ``k``, so past ``H`` a longer horizon is never sharper; below ``H`` the spread
falls from the chain's near-certainty towards the model's (with a small dip just short of ``H``, where the
chain knows less than the model and the blend averages them). ``alpha >= 0``, ``beta_b >= 0`` (one per
carried bucket: a bucket-4 pool's structure matters less than an unstable bucket-3 pool's), ``beta_new``
and ``offset_new`` are fitted on the training transition;
``c(h)`` is solved so that the mean forecast over the reference pools equals the base rate the chain
extrapolates from their current buckets, ``d @ M**h`` (the drift continues; Platt scaling would keep the
training transition's base rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import expm, logm
from scipy.optimize import brentq, minimize

from spothive_models.datasets import HIGH_BUCKET

BUCKETS = 5
#: Probabilities are kept inside [P_CLIP, 1 - P_CLIP] before taking logits.
P_CLIP = 1e-4
#: Mean days in a month (horizons are given in days, the chain runs in months).
DAYS_PER_MONTH = 30.4375


def _logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), P_CLIP, 1 - P_CLIP)
    return np.log(q / (1 - q))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def transition_counts(before: Sequence[int], after: Sequence[int]) -> np.ndarray:
    """5 x 5 counts of (earlier bucket, later bucket) pairs."""
    counts = np.zeros((BUCKETS, BUCKETS))
    np.add.at(counts, (np.asarray(before, dtype=int), np.asarray(after, dtype=int)), 1.0)
    return counts


def _generator(theta: np.ndarray) -> np.ndarray:
    off = np.exp(theta).reshape(BUCKETS, BUCKETS - 1)
    q = np.zeros((BUCKETS, BUCKETS))
    for i in range(BUCKETS):
        q[i, [j for j in range(BUCKETS) if j != i]] = off[i]
        q[i, i] = -off[i].sum()
    return q


@dataclass(frozen=True)
class BucketChain:
    """A fitted monthly chain; ``generator`` is ``Q`` (rows sum to 0, off-diagonal >= 0)."""

    generator: np.ndarray
    gap_months: float
    counts: np.ndarray

    @classmethod
    def fit(cls, counts: np.ndarray, gap_months: float, smoothing: float = 0.5) -> BucketChain:
        """Maximum-likelihood generator for ``counts`` observed ``gap_months`` apart (add-``smoothing``)."""
        if gap_months <= 0:
            raise ValueError("gap_months must be positive")
        smoothed = np.asarray(counts, dtype=float) + smoothing
        observed = smoothed / smoothed.sum(axis=1, keepdims=True)
        start = np.real(logm(observed)) / gap_months
        off = np.array([[max(start[i, j], 1e-4) for j in range(BUCKETS) if j != i] for i in range(BUCKETS)])

        def loss(theta: np.ndarray) -> float:
            matrix = expm(gap_months * _generator(theta))
            return float(-(smoothed * np.log(np.clip(matrix, 1e-12, None))).sum())

        result = minimize(loss, np.log(off).ravel(), method="L-BFGS-B", options={"maxiter": 500})
        return cls(_generator(result.x), float(gap_months), np.asarray(counts, dtype=float))

    @property
    def monthly(self) -> np.ndarray:
        """The one-month transition matrix ``M``."""
        return self.power(1.0)

    def power(self, months: float) -> np.ndarray:
        """``M ** months``: the transition matrix over ``months`` (rows sum to 1, entries >= 0)."""
        if months < 0:
            raise ValueError("months must be >= 0")
        matrix = np.clip(expm(months * self.generator), 0.0, None)
        return np.asarray(matrix / matrix.sum(axis=1, keepdims=True))

    def high_share(self, months: float) -> np.ndarray:
        """Per starting bucket, the probability of being in a bucket >= 3 after ``months``."""
        return np.asarray(self.power(months)[:, HIGH_BUCKET:].sum(axis=1))

    @property
    def memory_rate(self) -> float:
        """Per-month decay rate of the chain's memory: the generator's slowest non-zero eigenvalue (< 0)."""
        eigen = np.sort(np.real(np.linalg.eigvals(self.generator)))
        return float(min(eigen[-2], -1e-6))

    def contraction(self, months: float, reference_months: float) -> float:
        """How much of the bucket's information is left after ``months`` relative to ``reference_months``:
        ``exp(rate * (months - reference_months))``, strictly decreasing in ``months``, 1 at the reference."""
        return float(np.exp(self.memory_rate * (months - reference_months)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the manifest)."""
        return {
            "generator_per_month": np.round(self.generator, 10).tolist(),
            "gap_months": self.gap_months,
            "counts": self.counts.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BucketChain:
        """Inverse of :meth:`to_dict`."""
        return cls(np.array(data["generator_per_month"]), float(data["gap_months"]), np.array(data["counts"]))


def bucket_distribution(buckets: np.ndarray) -> np.ndarray:
    """Share of each bucket among the known (non-NaN) ``buckets``; uniform when none is known."""
    known = buckets[~np.isnan(buckets)].astype(int)
    if known.size == 0:
        return np.full(BUCKETS, 1.0 / BUCKETS)
    return np.bincount(known, minlength=BUCKETS) / known.size


@dataclass
class HorizonLayer:
    """Turns (structure score, last bucket, horizon) into a probability; see the module docstring."""

    chain: BucketChain
    train_months: float
    alpha: float
    betas: np.ndarray  # per carried bucket 0..4
    beta_new: float
    offset_new: float
    intercept: float  # c(train_months) on the training pools
    #: Reference pools (their last bucket, NaN when unknown, and structure score) for ``c(h)``.
    ref_buckets: np.ndarray = field(repr=False)
    ref_scores: np.ndarray = field(repr=False)
    _cache: dict[float, float] = field(default_factory=dict, repr=False)
    _powers: dict[float, np.ndarray] = field(default_factory=dict, repr=False)
    _derived: dict[Any, Any] = field(default_factory=dict, repr=False)  # per-layer constants, computed once

    def with_reference(self, buckets: np.ndarray, scores: np.ndarray) -> HorizonLayer:
        """The same layer with another reference population (e.g. the serving context's pools)."""
        return HorizonLayer(
            self.chain, self.train_months, self.alpha, self.betas, self.beta_new, self.offset_new,
            self.intercept, np.asarray(buckets, dtype=float), np.asarray(scores, dtype=float),
        )

    def power(self, months: float) -> np.ndarray:
        """The chain's ``M ** months`` (cached per horizon)."""
        key = round(float(months), 6)
        if key not in self._powers:
            self._powers[key] = self.chain.power(key)
        return self._powers[key]

    def _constant(self, name: str) -> Any:
        if "rate" not in self._derived:
            rate = self.chain.memory_rate
            self._derived.update(
                rate=rate,
                memory_at_train=float(np.exp(rate * self.train_months)),
                distribution=bucket_distribution(self.ref_buckets),
                train_logits=_logit(self.power(self.train_months)[:, HIGH_BUCKET:].sum(axis=1)),
            )
        return self._derived[name]

    def base_rate(self, months: float) -> float:
        """The reference pools' share of high buckets the chain extrapolates ``months`` ahead."""
        return float(self._constant("distribution") @ self.power(months)[:, HIGH_BUCKET:].sum(axis=1))

    def linear(self, scores: np.ndarray, buckets: np.ndarray, months: float) -> np.ndarray:
        """Everything but the intercept ``c(h)``."""
        shrink = min(1.0, float(np.exp(self._constant("rate") * (months - self.train_months))))
        own = self.alpha * shrink * self._constant("train_logits")
        known = ~np.isnan(buckets)
        index = np.where(known, np.nan_to_num(buckets), 0).astype(int)
        slope = np.where(known, self.betas[index], self.beta_new)
        model = np.where(known, own[index], shrink * self.offset_new) + shrink * slope * scores
        weight = self.chain_weight(months)
        if weight <= 0.0:
            return np.asarray(model)
        chain = _logit(self.power(months)[:, HIGH_BUCKET:].sum(axis=1))[index]
        return np.asarray(np.where(known, (1.0 - weight) * model + weight * chain, model))

    def chain_weight(self, months: float) -> float:
        """Weight ``w(h)`` of the pure chain forecast for a known bucket: 1 at h = 0, falling with the chain's
        memory ``m(h) = exp(rate * h)`` to 0 at the training horizon and beyond."""
        at_train = self._constant("memory_at_train")
        if months >= self.train_months or at_train >= 1.0:
            return 0.0
        return float((np.exp(self._constant("rate") * months) - at_train) / (1.0 - at_train))

    def intercept_at(self, months: float) -> float:
        """``c(h)``: the mean forecast over the reference pools with a bucket equals :meth:`base_rate`."""
        key = round(float(months), 6)
        if key not in self._cache:
            known = ~np.isnan(self.ref_buckets)  # the chain describes pools with a bucket; new ones ride along
            if not known.any():
                self._cache[key] = self.intercept
            else:
                linear = self.linear(self.ref_scores[known], self.ref_buckets[known], months)
                target = self.base_rate(months)
                self._cache[key] = float(
                    brentq(lambda c: float(_sigmoid(c + linear).mean() - target), -40.0, 40.0, xtol=1e-10)
                )
        return self._cache[key]

    def probability(self, scores: np.ndarray, buckets: np.ndarray, months: float) -> np.ndarray:
        """P(bucket >= 3 after ``months``) per pool, within [1e-4, 1 - 1e-4]; ``buckets`` NaN where unknown."""
        b = np.asarray(buckets, dtype=float)
        z = self.intercept_at(months) + self.linear(np.asarray(scores, dtype=float), b, months)
        return np.clip(_sigmoid(z), P_CLIP, 1.0 - P_CLIP)  # no forecast is ever certain

    def bucket_probabilities(self, probability: np.ndarray, buckets: np.ndarray, months: float) -> np.ndarray:
        """Bucket distribution per pool: the chain's row, rescaled so that buckets >= 3 sum to ``probability``."""
        key = ("rows", round(float(months), 6))
        rows = self._derived.get(key)
        if rows is None:
            matrix = self.power(months)
            rows = self._derived[key] = np.vstack([matrix, self._constant("distribution") @ matrix])
        known = ~np.isnan(buckets)
        dist = rows[np.where(known, np.nan_to_num(buckets), BUCKETS).astype(int)]
        high = dist[:, HIGH_BUCKET:].sum(axis=1, keepdims=True)
        p = np.asarray(probability, dtype=float)[:, None]
        scaled = np.hstack(
            [
                dist[:, :HIGH_BUCKET] * (1 - p) / np.maximum(1.0 - high, 1e-12),
                dist[:, HIGH_BUCKET:] * p / np.maximum(high, 1e-12),
            ]
        )
        return np.asarray(scaled / scaled.sum(axis=1, keepdims=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the reference is kept as a deterministic sample of at most 2,000 pools."""
        step = max(1, len(self.ref_scores) // 2000)
        return {
            "chain": self.chain.to_dict(),
            "train_months": self.train_months,
            "alpha": self.alpha,
            "betas": self.betas.tolist(),
            "beta_new": self.beta_new,
            "offset_new": self.offset_new,
            "intercept": self.intercept,
            "reference": {
                "buckets": [None if np.isnan(b) else int(b) for b in self.ref_buckets[::step]],
                "scores": [round(float(s), 6) for s in self.ref_scores[::step]],
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HorizonLayer:
        """Inverse of :meth:`to_dict`."""
        ref = data["reference"]
        return cls(
            BucketChain.from_dict(data["chain"]),
            float(data["train_months"]),
            float(data["alpha"]),
            np.array(data["betas"], dtype=float),
            float(data["beta_new"]),
            float(data["offset_new"]),
            float(data["intercept"]),
            np.array([np.nan if b is None else b for b in ref["buckets"]], dtype=float),
            np.array(ref["scores"], dtype=float),
        )


def _fit_bounded_logistic(design: np.ndarray, labels: np.ndarray, bounds: list[tuple[float | None, float | None]],
                          l2: float = 1e-2) -> np.ndarray:
    """Logistic regression with an intercept (first weight, unpenalised) and box bounds on the others."""
    full = np.column_stack([np.ones(len(labels)), design])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = full @ w
        value = float(np.sum(np.logaddexp(0.0, z) - labels * z) + 0.5 * l2 * np.sum(w[1:] ** 2))
        grad = full.T @ (_sigmoid(z) - labels) + l2 * np.concatenate([[0.0], w[1:]])
        return value, grad

    start = np.zeros(full.shape[1])
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(None, None), *bounds])
    return np.asarray(result.x)


def fit_horizon_layer(
    scores: np.ndarray,
    carried: np.ndarray,
    labels: np.ndarray,
    gap_months: float,
    later_buckets: np.ndarray,
    chain: BucketChain | None = None,
) -> HorizonLayer:
    """Fit the chain on the pools with a carried bucket, then the layer's weights on the whole transition
    (``gap_months`` long); the reference population is these pools. A ``chain`` already fitted on these
    same pools may be passed in (it does not depend on the scores) to skip its fit."""
    known = ~np.isnan(carried)
    if chain is None:
        chain = BucketChain.fit(transition_counts(carried[known], later_buckets[known]), gap_months)
    index = np.where(known, np.nan_to_num(carried), 0).astype(int)
    own = np.where(known, _logit(chain.high_share(gap_months))[index], 0.0)
    columns = [own] + [np.where(known & (index == b), scores, 0.0) for b in range(BUCKETS)]
    columns += [np.where(known, 0.0, scores), (~known).astype(float)]
    nonneg: tuple[float | None, float | None] = (0.0, None)
    bounds = [nonneg] * (1 + BUCKETS) + [nonneg, (None, None)]
    has_new = (~known).sum() >= 30 and len(np.unique(labels[~known])) == 2
    if not has_new:
        columns, bounds = columns[:-2], bounds[:-2]
    w = _fit_bounded_logistic(np.column_stack(columns), np.asarray(labels, dtype=float), bounds)
    alpha, betas = float(w[1]), np.asarray(w[2 : 2 + BUCKETS])
    beta_new, offset_new = (float(w[-2]), float(w[-1])) if has_new else (float(betas.mean()), 0.0)
    return HorizonLayer(chain, float(gap_months), alpha, betas, beta_new, offset_new, float(w[0]), carried, scores)
