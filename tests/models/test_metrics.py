"""Metric functions on hand-computed examples, and the two baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spothive_models.evaluation import (
    auc,
    carried_forward,
    expected_calibration_error,
    format_table,
    log_loss,
    macro_f1,
    reliability_table,
    score,
    static_table,
)


def test_auc_hand_example() -> None:
    # positives score 0.8, 0.4; negatives 0.6, 0.2 → pairs won: (0.8>0.6, 0.8>0.2, 0.4>0.2) = 3 of 4
    assert auc(np.array([1, 0, 1, 0]), np.array([0.8, 0.6, 0.4, 0.2])) == pytest.approx(0.75)


def test_auc_ties_count_half() -> None:
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert auc(np.array([1, 1, 0]), np.array([2.0, 1.0, 1.0])) == pytest.approx(0.75)


def test_auc_single_class_is_nan() -> None:
    assert math.isnan(auc(np.array([1, 1]), np.array([0.1, 0.2])))


def test_log_loss_hand_example() -> None:
    expected = -(math.log(0.8) + math.log(0.75)) / 2
    assert log_loss(np.array([1, 0]), np.array([0.8, 0.25])) == pytest.approx(expected)


def test_ece_hand_example() -> None:
    # bin [0.1,0.2): p=0.1,0.1 observed 0/2 → gap 0.1 ; bin [0.9,1.0]: p=0.9,0.9 observed 1/2 → gap 0.4
    labels = np.array([0, 0, 1, 0])
    probs = np.array([0.1, 0.1, 0.9, 0.9])
    assert expected_calibration_error(labels, probs) == pytest.approx(0.25)
    table = reliability_table(labels, probs)
    assert [(b.low, b.count, b.observed_rate) for b in table] == [(0.1, 2, 0.0), (0.9, 2, 0.5)]


def test_ece_puts_one_in_last_bin() -> None:
    assert reliability_table(np.array([1]), np.array([1.0]))[0].low == 0.9


def test_macro_f1_hand_example() -> None:
    # class 1: tp=1 fp=1 fn=1 → F1 0.5 ; class 0: tp=1 fp=1 fn=1 → 0.5
    assert macro_f1([1, 1, 0, 0], [1, 0, 1, 0]) == pytest.approx(0.5)
    # three classes: 0 perfect (1.0), 1: tp=1 fn=1 → 2/3, 2: tp=1 fp=1 → 2/3
    assert macro_f1([0, 1, 1, 2], [0, 1, 2, 2]) == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_carried_forward_baseline() -> None:
    rank, prob, bucket = carried_forward(np.array([0.0, 3.0, np.nan, 4.0]))
    assert rank.tolist() == [0.0, 3.0, 2.0, 4.0]
    assert prob.tolist() == [0.05, 0.95, 0.5, 0.95]
    assert bucket.tolist() == [0, 3, 2, 4]


def test_static_table_baseline() -> None:
    assert static_table(np.array([0.0, 1.0, 2.0, 3.0, 4.0, np.nan])).tolist() == [
        0.1,
        0.2,
        0.35,
        0.65,
        0.85,
        0.35,
    ]


def test_score_and_table() -> None:
    row = score(
        "m",
        np.array([4, 0, 3, 1]),
        np.array([0.9, 0.1, 0.8, 0.2]),
        np.array([0.9, 0.1, 0.8, 0.2]),
        np.array([4, 0, 3, 1]),
    )
    assert (row.n, row.auc, row.macro_f1, row.bucket_macro_f1) == (4, 1.0, 1.0, 1.0)
    text = format_table([row], "title")
    assert text.splitlines()[0] == "title"
    assert "1.000" in text.splitlines()[2]
