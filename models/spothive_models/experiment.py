"""The evaluation protocols behind ``spothive risk evaluate``; every figure is for one stated horizon.

Features always come from the training sources dated before the test snapshot; the test snapshot only
supplies labels. The horizon is the time from the newest labeled training snapshot to the test date.

- ``forecast`` (two or more labeled training snapshots): the structure model learns from the training
  snapshots' cross-sections, the chain and horizon weights from their latest transition; the test
  snapshot is then forecast at its own horizon. Nothing of the test snapshot is used: a time hold-out.
- one labeled training snapshot (today's public data), two cross-fitted protocols over pools split into
  folds grouped by instance family (or type); the horizon layer is always fitted on the other folds'
  transitions, so no pool is scored with its own later label:

  * ``time hold-out``: the structure model learns from the earlier snapshot alone (a horizon-0
    cross-section), so its weights never see a later label; only the layer's handful of numbers (monthly
    chain, three weights) come from the other families' transition.
  * ``family CV``: the structure model also learns from the later snapshot's cross-section of the other
    folds' pools (the test fold is left out of their neighbour features too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from spothive_models.datasets import LabeledSnapshot, Source, load_source
from spothive_models.evaluation import (
    MetricsRow,
    carried_forward,
    format_reliability,
    format_table,
    score,
    static_table,
)
from spothive_models.features import RiskContext
from spothive_models.horizon import DAYS_PER_MONTH, fit_horizon_layer
from spothive_models.training import (
    KINDS,
    RiskDataset,
    build_dataset,
    cross_section,
    fit_forecaster,
    fit_structure,
    group_folds,
    months_between,
    out_of_fold_scores,
)


@dataclass
class Block:
    """Predictions of every model kind on one test set at one horizon."""

    key: str  # time_holdout | family_cv | type_cv
    name: str
    months: float
    data: RiskDataset
    probability: dict[str, np.ndarray]
    bucket_probabilities: dict[str, np.ndarray]

    def rows(self, known_only: bool) -> list[MetricsRow]:
        """Metrics of each model kind and both baselines."""
        mask = ~np.isnan(self.data.carried) if known_only else np.ones(len(self.data.pools), dtype=bool)
        buckets, carried = self.data.buckets[mask], self.data.carried[mask]
        rank, prob, bucket = carried_forward(carried)
        static = static_table(carried)
        out = [
            score(f"model ({kind})", buckets, p[mask], p[mask], self.bucket_probabilities[kind][mask].argmax(axis=1))
            for kind, p in self.probability.items()
        ]
        return [
            *out,
            score("baseline: bucket carried", buckets, rank, prob, bucket),
            score("baseline: static table", buckets, static, static, bucket),
        ]

    @property
    def horizon_text(self) -> str:
        """``17.3 months (526 days)``."""
        return f"{self.months:.1f} months ({self.months * DAYS_PER_MONTH:.0f} days)"


@dataclass
class Evaluation:
    """Every block of one evaluation, and notes on what was left out."""

    blocks: list[Block]
    notes: list[str] = field(default_factory=list)

    def report(self, reliability_kind: str | None = None) -> str:
        """The text printed by the command."""
        parts = list(self.notes)
        for block in self.blocks:
            known = int((~np.isnan(block.data.carried)).sum())
            head = f"== {block.name} · horizon {block.horizon_text}"
            parts.append(head)
            parts.append(format_table(block.rows(known_only=True), f"pools with a carried bucket ({known})"))
            if known < len(block.data.pools):
                parts.append(format_table(block.rows(known_only=False), f"all test pools ({len(block.data.pools)})"))
            kind = reliability_kind or next(iter(block.probability))
            mask = ~np.isnan(block.data.carried)
            parts.append(
                format_reliability(
                    block.data.labels[mask],
                    block.probability[kind][mask],
                    f"reliability, model ({kind}), carried pools, horizon {block.horizon_text}",
                )
            )
        return "\n\n".join(parts)


def _labeled(sources: Sequence[Source]) -> list[LabeledSnapshot]:
    dated = [s for s in sources if isinstance(s, LabeledSnapshot) and s.taken_at is not None]
    return sorted(dated, key=lambda s: s.taken_at)  # type: ignore[arg-type, return-value]


def _cross_fit(
    train: Sequence[Source],
    snapshot: LabeledSnapshot,
    test: LabeledSnapshot,
    data: RiskDataset,
    group: str,
    folds: int,
    kinds: Sequence[str],
) -> list[Block]:
    groups = data.families if group == "family" else [itype for _, itype in data.pools]
    fold_of = group_folds(groups, folds)
    blocks = []
    for name in ("time hold-out", f"{group} CV"):
        probability = {k: np.zeros(len(data.pools)) for k in kinds}
        buckets = {k: np.zeros((len(data.pools), 5)) for k in kinds}
        for kind in kinds:
            earlier = fit_structure(cross_section(snapshot, train), kind) if name == "time hold-out" else None
            for fold in range(folds):
                test_idx, train_idx = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
                if len(test_idx) == 0 or len(train_idx) == 0:
                    continue
                part = data.subset(train_idx)
                if earlier is not None:
                    structure, fit_scores = earlier, earlier.score(part.features)
                else:
                    structure = fit_structure(part, kind)
                    fit_scores = out_of_fold_scores(part, kind)
                layer = fit_horizon_layer(fit_scores, part.carried, part.labels, data.gap_months, part.buckets)
                scores = structure.score(data.features[test_idx])
                carried = data.carried[test_idx]
                layer = layer.with_reference(carried, scores)  # the test pools' buckets set c(h), not labels
                p = layer.probability(scores, carried, data.gap_months)
                probability[kind][test_idx] = p
                buckets[kind][test_idx] = layer.bucket_probabilities(p, carried, data.gap_months)
        key = name.replace(" ", "_").replace("-", "").lower()
        title = f"{name} ({folds} folds grouped by instance {group})"
        blocks.append(Block(key, title, data.gap_months, data, probability, buckets))
    return blocks


def evaluate(
    train: Sequence[Source],
    test: LabeledSnapshot,
    group: str = "family",
    folds: int = 5,
    kinds: Sequence[str] = KINDS,
    test_date: datetime | None = None,
) -> Evaluation:
    """Train on ``train`` and score ``test`` at its horizon (see the module docstring)."""
    when = test_date or test.taken_at
    if when is None:
        raise ValueError("the test snapshot has no date in its name or rows: pass --test-date")
    notes = []
    late = [s.name for s in train if s.taken_at and s.taken_at >= when]
    if late:
        notes.append(f"left out (not before the test snapshot): {', '.join(late)}")
    usable = [s for s in train if s.name not in late]
    snapshots = _labeled(usable)
    context = RiskContext.from_sources(usable, before=when)
    if not snapshots or not context.buckets:
        raise ValueError(
            "no dated training source before the test snapshot carries Advisor buckets "
            "(features never come from the future: the test snapshot must be the latest)"
        )
    latest = snapshots[-1]
    data = build_dataset(context, test, months_between(latest.taken_at, when))
    notes.append(f"features as of {latest.name} ({latest.taken_at:%Y-%m-%d}); test {test.name} ({when:%Y-%m-%d})")
    if len(snapshots) < 2:
        return Evaluation(_cross_fit(usable, latest, test, data, group, folds, kinds), notes)
    previous = snapshots[-2]
    ctx_before = RiskContext.from_sources([s for s in usable if s is not latest], before=latest.taken_at)
    transition = build_dataset(ctx_before, latest, months_between(previous.taken_at, latest.taken_at))
    probability, buckets = {}, {}
    for kind in kinds:
        forecaster = fit_forecaster(transition, kind)
        probability[kind] = forecaster.predict(data.features, data.carried, data.gap_months)
        buckets[kind] = forecaster.bucket_probabilities(data.features, data.carried, data.gap_months)
    name = f"time hold-out: forecast (trained on the {previous.name} → {latest.name} transition)"
    return Evaluation([Block("time_holdout", name, data.gap_months, data, probability, buckets)], notes)


def evaluate_paths(
    train: Sequence[Path | str],
    test: Path | str,
    group: str = "family",
    folds: int = 5,
    kinds: Sequence[str] = KINDS,
    test_date: datetime | None = None,
) -> Evaluation:
    """:func:`evaluate` on files."""
    test_source = load_source(test)
    if not isinstance(test_source, LabeledSnapshot):
        raise ValueError(f"{test}: the test file must carry buckets (Spot Advisor feed or SpotLake snapshot)")
    return evaluate([load_source(p) for p in train], test_source, group, folds, kinds, test_date)
