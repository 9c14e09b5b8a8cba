"""The bucket chain, its fractional powers, and the horizon layer's monotonicity and base-rate rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spothive_models.horizon import BucketChain, HorizonLayer, bucket_distribution, fit_horizon_layer, transition_counts

#: The 2021-02 → 2022-07 bucket counts of the public data (rows: earlier bucket, columns: later bucket).
COUNTS = np.array(
    [
        [533, 181, 80, 69, 171],
        [358, 243, 98, 69, 151],
        [185, 208, 144, 68, 129],
        [68, 66, 78, 23, 62],
        [64, 31, 27, 23, 746],
    ],
    dtype=float,
)
GAP = 17.29
HORIZONS = (0.03, 0.25, 1.0, 3.0, 6.0, 12.0, GAP, 24.0, 36.0, 60.0, 120.0)


@pytest.fixture(scope="module")
def chain() -> BucketChain:
    return BucketChain.fit(COUNTS, GAP)


def _population(seed: int = 3, n: int = 600) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buckets, structure scores correlated with them, and labels drawn from a known logistic rule."""
    rng = np.random.default_rng(seed)
    buckets = rng.choice(5, size=n, p=[0.27, 0.24, 0.19, 0.08, 0.22]).astype(float)
    scores = 0.8 * (buckets - 2.0) + rng.normal(0.0, 1.0, n)
    later = np.clip(np.rint(buckets + rng.normal(0.3, 1.2, n)), 0, 4)
    buckets[:60] = np.nan  # pools with no earlier bucket
    labels = (later >= 3).astype(float)
    return buckets, scores, labels


def test_transition_counts() -> None:
    counts = transition_counts([0, 0, 4, 2], [0, 3, 4, 2])
    assert counts[0, 0] == 1 and counts[0, 3] == 1 and counts[4, 4] == 1 and counts[2, 2] == 1
    assert counts.sum() == 4


def test_powers_are_transition_matrices(chain: BucketChain) -> None:
    for months in (0.0, 0.5, 1.0, 7.3, GAP, 100.0):
        matrix = chain.power(months)
        assert np.allclose(matrix.sum(axis=1), 1.0)
        assert (matrix >= 0).all()
    assert np.allclose(chain.power(0.0), np.eye(5))


def test_fractional_power_at_one_month_is_the_monthly_matrix(chain: BucketChain) -> None:
    assert np.allclose(chain.power(1.0), chain.monthly)
    # powers compose: M^a M^b = M^(a+b), so twelve monthly steps are the yearly matrix
    assert np.allclose(np.linalg.matrix_power(chain.monthly, 12), chain.power(12.0), atol=1e-9)


def test_power_at_the_gap_reproduces_the_observed_transition(chain: BucketChain) -> None:
    observed = COUNTS / COUNTS.sum(axis=1, keepdims=True)
    assert np.abs(chain.power(GAP) - observed).max() < 0.03
    high = COUNTS[:, 3:].sum() / COUNTS.sum()
    assert bucket_distribution(np.repeat(np.arange(5.0), COUNTS.sum(axis=1).astype(int))) @ chain.high_share(
        GAP
    ) == pytest.approx(high, abs=0.005)


def test_memory_fades(chain: BucketChain) -> None:
    values = [chain.contraction(h, GAP) for h in HORIZONS]
    assert chain.contraction(GAP, GAP) == pytest.approx(1.0)
    assert all(a > b for a, b in itertools.pairwise(values))


def test_longer_horizons_are_never_sharper() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))

    def spread(months: float) -> float:
        p = layer.probability(scores, buckets, months)
        return float(np.log(p / (1 - p)).std())

    # from the training horizon on, every step out is less sharp (everything but c(h) shrinks by k)
    beyond = [spread(h) for h in (GAP, 24.0, 36.0, 60.0, 120.0)]
    assert all(a > b for a, b in itertools.pairwise(beyond)), beyond
    # short of it the pool's own bucket makes the forecast sharper, the more so the shorter it is
    short = [spread(h) for h in (0.03, 0.25, 1.0, 3.0)]
    assert all(a > b for a, b in itertools.pairwise(short)), short
    assert short[-1] > beyond[0]


def test_the_blend_weight_falls_with_the_chain_memory() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    weights = [layer.chain_weight(h) for h in (0.0, 1.0, 6.0, 12.0, GAP, 30.0)]
    assert weights[0] == pytest.approx(1.0) and weights[-2] == 0.0 and weights[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(weights[:-1]))


def test_each_pool_moves_towards_the_base_rate_beyond_the_training_horizon() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    distance = []
    for months in (GAP, 24.0, 48.0, 96.0):
        p = layer.probability(scores, buckets, months)
        distance.append(np.abs(np.log(p / (1 - p)) - layer.intercept_at(months)))
    for nearer, farther in itertools.pairwise(distance):
        assert (farther <= nearer + 1e-9).all()


def test_intercept_follows_the_chain_base_rate_not_the_training_one() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    known = ~np.isnan(buckets)
    for months in (1.0, GAP, 36.0):
        mean = layer.probability(scores[known], buckets[known], months).mean()
        assert mean == pytest.approx(layer.base_rate(months), abs=1e-4)  # up to the 1e-4 clip
    # a reference population with more high buckets now is forecast to have more later (drift carried on)
    riskier = np.where(known & (buckets <= 1), 4.0, buckets)
    moved = layer.with_reference(riskier, scores)
    assert moved.base_rate(GAP) > layer.base_rate(GAP) + 0.05
    assert moved.intercept_at(GAP) != pytest.approx(layer.intercept_at(GAP))


def test_short_horizons_carry_the_own_bucket() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    p = layer.probability(np.zeros(2), np.array([4.0, 0.0]), 1.0 / 30)
    assert p[0] > 0.97 and p[1] < 0.05


def test_bucket_distribution_agrees_with_probability() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    p = layer.probability(scores[:50], buckets[:50], 6.0)
    dist = layer.bucket_probabilities(p, buckets[:50], 6.0)
    assert np.allclose(dist.sum(axis=1), 1.0)
    assert np.allclose(dist[:, 3:].sum(axis=1), p)


def test_layer_round_trips_through_json() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    again = HorizonLayer.from_dict(layer.to_dict())
    for months in (0.5, GAP, 40.0):
        assert np.allclose(again.probability(scores, buckets, months), layer.probability(scores, buckets, months), atol=1e-5)


def test_weights_are_non_negative() -> None:
    buckets, scores, labels = _population()
    layer = fit_horizon_layer(scores, buckets, labels, GAP, np.nan_to_num(buckets))
    assert layer.alpha >= 0 and (layer.betas >= 0).all()
    assert layer.beta_new > 0  # the structure score matters for pools with no bucket
