"""Reproducible training of the shipped artifact.

    python -m spothive_models.train --data-dir ../shared/data --out models/spothive_models/artifacts/risk-v1

Context (features): the 2021-02 Spot Advisor feed, the 2022-05-31 spot prices and the catalog. Labels: the
2022-07-12 SpotLake snapshot (bucket >= 3). Metrics in the manifest are out of fold (grouped by instance
type and by family); the shipped boosters are then fitted on every pool. Seeds are fixed, LightGBM runs
deterministic and single-threaded, so the model text is identical run to run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from spothive_models.artifact import save_artifact
from spothive_models.datasets import LabeledSnapshot, load_source
from spothive_models.evaluation import reliability_table
from spothive_models.experiment import evaluate
from spothive_models.features import RiskContext
from spothive_models.training import (
    BINARY_PARAMS,
    BINARY_ROUNDS,
    BUCKET_PARAMS,
    BUCKET_ROUNDS,
    build_dataset,
    fit_binary,
    fit_buckets,
)

MODEL_VERSION = "risk-v1.0.0"
DEFAULT_FILES = {
    "context": (
        "spot-advisor-data_2021-02.json",
        "aws_spot_price_2022-05-31_linux.csv",
        "ec2_instance_types_karpenter.csv",
    ),
    "labels": "spotlake_snapshot_2022-07-12.csv",
}


def _metrics(context_paths: Sequence[Path], label_path: Path, folds: int) -> tuple[dict[str, Any], str]:
    sources = [load_source(p) for p in context_paths]
    labels = load_source(label_path)
    assert isinstance(labels, LabeledSnapshot)
    metrics: dict[str, Any] = {}
    report = []
    for group in ("type", "family"):
        result = evaluate(sources, labels, group=group, folds=folds)
        report.append(f"== split grouped by instance {group}\n{result.report()}")
        known = ~np.isnan(result.data.carried)
        metrics[f"time_split_grouped_by_{group}"] = {
            "protocol": result.protocol,
            "pools_with_carried_bucket": [dataclasses.asdict(r) for r in result.rows(known_only=True)],
            "all_pools": [dataclasses.asdict(r) for r in result.rows(known_only=False)],
            "reliability_model_carried_pools": [
                dataclasses.asdict(b)
                for b in reliability_table(result.data.labels[known], result.probability[known])
            ],
        }
    return metrics, "\n\n".join(report)


def train_artifact(
    context_paths: Sequence[Path],
    label_path: Path,
    out: Path,
    folds: int = 5,
    created_at: datetime | None = None,
) -> str:
    """Evaluate out of fold, fit on everything, write the artifact; returns the evaluation report."""
    metrics, report = _metrics(context_paths, label_path, folds)
    sources = [load_source(p) for p in context_paths]
    labels = load_source(label_path)
    assert isinstance(labels, LabeledSnapshot)
    data = build_dataset(RiskContext.from_sources(sources, before=labels.taken_at), labels)
    binary, buckets = fit_binary(data), fit_buckets(data)
    training = {
        "label": "Advisor bucket >= 3 (> 15 % interruptions/month) in the later snapshot",
        "label_snapshot": labels.name,
        "rows": len(data.pools),
        "positive_rate": round(float(data.labels.mean()), 4),
        "binary_params": BINARY_PARAMS,
        "binary_rounds": BINARY_ROUNDS,
        "bucket_params": BUCKET_PARAMS,
        "bucket_rounds": BUCKET_ROUNDS,
        "folds": folds,
    }
    save_artifact(
        out,
        binary.model_to_string(),
        buckets.model_to_string(),
        model_version=MODEL_VERSION,
        data_files=[*context_paths, label_path],
        metrics=metrics,
        training=training,
        created_at=created_at or datetime.now(UTC),
    )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m spothive_models.train", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    context = [args.data_dir / name for name in DEFAULT_FILES["context"]]
    print(train_artifact(context, args.data_dir / DEFAULT_FILES["labels"], args.out, args.folds))
    print(f"\nartifact written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
