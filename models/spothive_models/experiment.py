"""The evaluation protocol behind ``spothive risk evaluate``.

Features always come from the training sources dated before the test snapshot; the test snapshot only
supplies labels. Two protocols, chosen automatically:

- ``forecast``: some training snapshot has an earlier labeled snapshot before it, so the model learns
  "earlier context → later bucket" from the training sources alone and never sees a test label.
- ``cross-fit``: the training sources hold one labeled snapshot, so the transitions to learn from are
  the test snapshot's: pools are split into folds grouped by instance family (or type) and each fold is
  scored by a model fitted on the other folds, so no pool is scored by a model that saw its later label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spothive_models.datasets import LabeledSnapshot, Source, load_source
from spothive_models.evaluation import MetricsRow, carried_forward, format_table, score, static_table
from spothive_models.features import RiskContext
from spothive_models.training import RiskDataset, build_dataset, cross_fit, fit_binary, fit_buckets


@dataclass
class Evaluation:
    """Predictions of the model and both baselines on one test snapshot."""

    protocol: str
    data: RiskDataset
    probability: np.ndarray
    bucket_probabilities: np.ndarray  # n x 5
    notes: list[str] = field(default_factory=list)

    def rows(self, known_only: bool) -> list[MetricsRow]:
        """Metrics of model and baselines on all pools or only those with a carried bucket."""
        mask = ~np.isnan(self.data.carried) if known_only else np.ones(len(self.data.pools), dtype=bool)
        buckets, carried = self.data.buckets[mask], self.data.carried[mask]
        rank, prob, bucket = carried_forward(carried)
        static = static_table(carried)
        model_bucket = self.bucket_probabilities[mask].argmax(axis=1)
        return [
            score("model (LightGBM)", buckets, self.probability[mask], self.probability[mask], model_bucket),
            score("baseline: bucket carried", buckets, rank, prob, bucket),
            score("baseline: static table", buckets, static, static, bucket),
        ]

    def report(self) -> str:
        """The text printed by the command."""
        known = int((~np.isnan(self.data.carried)).sum())
        parts = [
            f"protocol: {self.protocol}",
            *self.notes,
            format_table(self.rows(known_only=True), f"pools with a carried bucket ({known})"),
        ]
        if known < len(self.data.pools):
            parts.append(
                format_table(self.rows(known_only=False), f"all test pools ({len(self.data.pools)})")
            )
        return "\n\n".join(parts)


def _labeled(sources: Sequence[Source]) -> list[LabeledSnapshot]:
    return [s for s in sources if isinstance(s, LabeledSnapshot)]


def transition_datasets(train: Sequence[Source]) -> list[RiskDataset]:
    """One dataset per labeled training snapshot that has labeled context dated before it."""
    out = []
    for snapshot in _labeled(train):
        if snapshot.taken_at is None:
            continue
        context = RiskContext.from_sources([s for s in train if s is not snapshot], before=snapshot.taken_at)
        if context.buckets:
            out.append(build_dataset(context, snapshot))
    return out


def concat(parts: Sequence[RiskDataset]) -> RiskDataset:
    """Rows of several datasets in order."""
    return RiskDataset(
        [p for part in parts for p in part.pools],
        np.vstack([part.features for part in parts]),
        np.concatenate([part.buckets for part in parts]),
        np.concatenate([part.carried for part in parts]),
    )


def evaluate(
    train: Sequence[Source], test: LabeledSnapshot, group: str = "family", folds: int = 5
) -> Evaluation:
    """Train on ``train`` and score ``test`` (see the module docstring for the protocol)."""
    notes = []
    late = [s.name for s in train if s.taken_at and test.taken_at and s.taken_at >= test.taken_at]
    if late:
        notes.append(f"left out (not before the test snapshot): {', '.join(late)}")
    context = RiskContext.from_sources(train, before=test.taken_at)
    if not context.buckets:
        raise ValueError(
            "no training source dated before the test snapshot carries Advisor buckets "
            "(features never come from the future: the test snapshot must be the latest)"
        )
    data = build_dataset(context, test)
    transitions = transition_datasets([s for s in train if s.name not in late])
    if transitions:
        fit_on = concat(transitions)
        probability = fit_binary(fit_on).predict(data.features)
        expected = fit_buckets(fit_on).predict(data.features)
        return Evaluation(
            f"forecast (trained on {len(fit_on.pools)} earlier transitions)",
            data,
            probability,
            expected,
            notes,
        )
    groups = data.families if group == "family" else [itype for _, itype in data.pools]
    probability, expected = cross_fit(data, groups, folds)
    protocol = f"cross-fit ({folds} folds grouped by instance {group}; test labels only out of fold)"
    return Evaluation(protocol, data, probability, expected, notes)


def evaluate_paths(
    train: Sequence[Path | str], test: Path | str, group: str = "family", folds: int = 5
) -> Evaluation:
    """:func:`evaluate` on files."""
    test_source = load_source(test)
    if not isinstance(test_source, LabeledSnapshot):
        raise ValueError(f"{test}: the test file must carry buckets (Spot Advisor feed or SpotLake snapshot)")
    return evaluate([load_source(p) for p in train], test_source, group, folds)
