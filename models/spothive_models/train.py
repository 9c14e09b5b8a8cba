"""Reproducible training of the shipped artifact (deterministic: fixed seeds, single-threaded LightGBM).

    python -m spothive_models.train --data-dir ../shared/data --out models/spothive_models/artifacts/risk-v1

Transition: features from the 2021-02 Spot Advisor feed and the catalog, labels from the 2022-07-12
SpotLake snapshot (bucket >= 3), a 17.3-month horizon. Both structure models (LightGBM and logistic) are
evaluated (time hold-out and family CV, see ``spothive_models.experiment``); the one with the lower
family-CV log-loss is shipped, refitted on every pool with its horizon layer. ``created_at`` is the label
snapshot's time, so two runs write identical files.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from spothive.contracts.risk_v1 import horizon_confidence
from spothive_models.artifact import save_artifact
from spothive_models.datasets import Catalog, LabeledSnapshot, load_source
from spothive_models.evaluation import reliability_table
from spothive_models.experiment import Evaluation, evaluate
from spothive_models.features import RiskContext
from spothive_models.horizon import DAYS_PER_MONTH
from spothive_models.training import (
    BINARY_PARAMS,
    BINARY_ROUNDS,
    KINDS,
    LOGISTIC_L2,
    Forecaster,
    RiskDataset,
    build_dataset,
    cross_section,
    fit_forecaster,
    months_between,
)

MODEL_VERSION = "risk-v1.1.0"
DEFAULT_FILES = {
    "context": ("spot-advisor-data_2021-02.json", "ec2_instance_types_karpenter.csv"),
    "labels": "spotlake_snapshot_2022-07-12.csv",
}
#: Horizons (months) of the forecast sweep in the manifest: forecasts, not measurements.
SWEEP_MONTHS = (0.25, 1.0, 3.0, 6.0, 12.0, 24.0, 36.0)


def _metrics(result: Evaluation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in result.blocks:
        known = ~np.isnan(block.data.carried)
        out[block.key] = {
            "protocol": block.name,
            "horizon_months": round(block.months, 3),
            "horizon_days": round(block.months * DAYS_PER_MONTH, 1),
            "pools_with_carried_bucket": [dataclasses.asdict(r) for r in block.rows(known_only=True)],
            "all_pools": [dataclasses.asdict(r) for r in block.rows(known_only=False)],
            "reliability_carried_pools": {
                kind: [dataclasses.asdict(b) for b in reliability_table(block.data.labels[known], p[known])]
                for kind, p in block.probability.items()
            },
        }
    return out


def _chosen_kind(result: Evaluation) -> str:
    cv = next((b for b in result.blocks if b.key.endswith("_cv")), result.blocks[0])
    rows = {r.name: r for r in cv.rows(known_only=True)}
    return min(KINDS, key=lambda kind: rows[f"model ({kind})"].log_loss)


def horizon_sweep(forecaster: Forecaster, fit: RiskDataset, later: RiskDataset) -> list[dict[str, float]]:
    """Forecast level and sharpness against horizon, from the earlier pools and from the later snapshot."""
    layer = forecaster.layer.with_reference(fit.carried, forecaster.structure.score(fit.features))
    later_layer = layer.with_reference(later.carried, forecaster.structure.score(later.features))
    rows = []
    for months in sorted({*SWEEP_MONTHS, layer.train_months}):
        p_fit = forecaster.predict(fit.features, fit.carried, months)
        p_later = forecaster.predict(later.features, later.carried, months)
        logits = np.log(p_fit / (1 - p_fit))
        rows.append(
            {
                "months": round(months, 3),
                "days": round(months * DAYS_PER_MONTH, 1),
                "memory_k": round(layer.chain.contraction(months, layer.train_months), 4),
                "chain_base_rate_from_earlier": round(layer.base_rate(months), 4),
                "mean_forecast_earlier_pools": round(float(p_fit[~np.isnan(fit.carried)].mean()), 4),
                "logit_std_earlier_pools": round(float(logits.std()), 4),
                "chain_base_rate_from_later": round(later_layer.base_rate(months), 4),
                "mean_forecast_from_later": round(float(p_later.mean()), 4),
                "confidence_factor": round(horizon_confidence(months, layer.train_months), 4),
            }
        )
    return rows


def _ranges(features: np.ndarray) -> dict[str, list[float | None]]:
    low, high = [], []
    for column in features.T:
        known = column[~np.isnan(column)]
        low.append(float(np.percentile(known, 1)) if known.size else None)
        high.append(float(np.percentile(known, 99)) if known.size else None)
    return {"low": [np.nan if v is None else v for v in low], "high": [np.nan if v is None else v for v in high]}


def train_artifact(
    context_paths: Sequence[Path],
    label_path: Path,
    out: Path,
    folds: int = 5,
    created_at: datetime | None = None,
    kind: str | None = None,
) -> str:
    """Evaluate both structure models, fit the chosen one on every pool, write the artifact; returns the report."""
    sources = [load_source(p) for p in context_paths]
    labels = load_source(label_path)
    assert isinstance(labels, LabeledSnapshot) and labels.taken_at is not None
    result = evaluate(sources, labels, folds=folds)
    chosen = kind or _chosen_kind(result)
    snapshot = max((s for s in sources if isinstance(s, LabeledSnapshot)), key=lambda s: s.taken_at)  # type: ignore[arg-type, return-value]
    context = RiskContext.from_sources(sources, before=labels.taken_at)
    data = build_dataset(context, labels, months_between(snapshot.taken_at, labels.taken_at))
    forecaster = fit_forecaster(data, chosen)
    later = cross_section(labels, [s for s in sources if isinstance(s, Catalog)])
    later.carried = later.buckets.astype(float)
    ranges = _ranges(data.features)
    training = {
        "label": "Advisor bucket >= 3 (> 15 % interruptions/month) at the later snapshot",
        "feature_snapshot": snapshot.name,
        "label_snapshot": labels.name,
        "horizon_months": round(data.gap_months, 4),
        "rows": len(data.pools),
        "positive_rate": round(float(data.labels.mean()), 4),
        "structure_kind": chosen,
        "binary_params": BINARY_PARAMS,
        "binary_rounds": BINARY_ROUNDS,
        "logistic_l2": LOGISTIC_L2,
        "folds": folds,
        "horizon_sweep": horizon_sweep(forecaster, data, later),
    }
    save_artifact(
        out,
        forecaster.structure.to_text(),
        model_version=MODEL_VERSION,
        structure={"kind": chosen, "center": forecaster.structure.center},
        horizon_layer=forecaster.layer.to_dict(),
        familiarity={
            "low": [None if np.isnan(v) else round(v, 6) for v in ranges["low"]],
            "high": [None if np.isnan(v) else round(v, 6) for v in ranges["high"]],
        },
        data_files=[*context_paths, label_path],
        metrics=_metrics(result),
        training=training,
        created_at=created_at or labels.taken_at,
    )
    return f"{result.report(chosen)}\n\nshipped structure model: {chosen}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m spothive_models.train", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--kind", choices=KINDS, help="structure model to ship (default: the better in family CV)")
    args = parser.parse_args(argv)
    context = [args.data_dir / name for name in DEFAULT_FILES["context"]]
    print(train_artifact(context, args.data_dir / DEFAULT_FILES["labels"], args.out, args.folds, kind=args.kind))
    print(f"\nartifact written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
