"""The held-out set the model validator scores every uploaded model on (``validate_holdout_v1.json``).

Built once from the public data, exactly like the training set (2021-02 Advisor feed, 2022-05-31 spot
prices and the catalog as features; the 2022-07-12 SpotLake grade ``IF`` as label, high = bucket >= 3),
then a deterministic stratified sample of pools is kept: only the 22 feature values and the label per
pool, with the SHA-256 of each source file. No raw data file is copied.

    python -m spothive_models.validate_holdout --data-dir ../shared/data

It is a quality gate, not an evaluation: the shipped model was fitted on every pool, these included, so
its score here is in-sample. The gate (AUC >= ``model_min_auc``, default 0.75, the bucket-carried
baseline's 0.741 rounded up) catches broken, inverted or untrained models.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from spothive_models.artifact import sha256_file
from spothive_models.features import FEATURE_NAMES

HOLDOUT_FILE = Path(__file__).resolve().parent / "validate_holdout_v1.json"
SAMPLE_PER_CLASS = 300
SEED = 20260308


def build(data_dir: Path, per_class: int = SAMPLE_PER_CLASS) -> dict[str, Any]:
    """Features and labels of ``per_class`` high and ``per_class`` other pools, sampled with a fixed seed."""
    from spothive_models.datasets import LabeledSnapshot, load_source
    from spothive_models.features import RiskContext
    from spothive_models.train import DEFAULT_FILES
    from spothive_models.training import build_dataset

    context_paths = [data_dir / name for name in DEFAULT_FILES["context"]]
    label_path = data_dir / DEFAULT_FILES["labels"]
    labels = load_source(label_path)
    assert isinstance(labels, LabeledSnapshot)
    context = RiskContext.from_sources([load_source(p) for p in context_paths], before=labels.taken_at)
    data = build_dataset(context, labels)
    rng = np.random.default_rng(SEED)
    chosen: list[int] = []
    for value in (1.0, 0.0):
        index = np.flatnonzero(data.labels == value)
        chosen += sorted(rng.choice(index, size=min(per_class, len(index)), replace=False).tolist())
    chosen.sort()
    rows = [[None if math.isnan(v) else round(float(v), 6) for v in data.features[i]] for i in chosen]
    return {
        "description": "Held-out pools for the model validator: features (FEATURE_NAMES order, null = "
                       "unknown) and label high = SpotLake bucket >= 3.",
        "feature_names": list(FEATURE_NAMES),
        "pools": [f"{data.pools[i][0]}#{data.pools[i][1]}" for i in chosen],
        "rows": rows,
        "labels": [int(data.labels[i]) for i in chosen],
        "seed": SEED,
        "sources": [{"name": p.name, "sha256": sha256_file(p)} for p in [*context_paths, label_path]],
    }


def load(path: Path = HOLDOUT_FILE) -> tuple[np.ndarray, np.ndarray]:
    """``(features, labels)``; ``ValueError`` when the file's feature names differ from the code's."""
    data = json.loads(path.read_text())
    if tuple(data["feature_names"]) != FEATURE_NAMES:
        raise ValueError(f"{path}: feature names differ from FEATURE_NAMES")
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data["rows"]], dtype=float)
    return matrix, np.array(data["labels"], dtype=float)


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild the held-out file from the shared data."""
    parser = argparse.ArgumentParser(prog="python -m spothive_models.validate_holdout")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=HOLDOUT_FILE)
    args = parser.parse_args(argv)
    built = build(args.data_dir)
    args.out.write_text(json.dumps(built, separators=(",", ":")) + "\n")
    print(f"{len(built['rows'])} pools written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
