"""Model artifacts: the structure model as LightGBM text (or logistic JSON) plus ``manifest.json``.

The manifest pins the contract version, the feature list, the data and model-file hashes, and carries the
horizon layer (monthly bucket chain and weights), the training feature ranges used for ``familiarity``
and the evaluation figures. No pickle, ever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spothive.contracts.risk_v1 import CONTRACT_VERSION
from spothive_models.features import CATEGORICAL_FEATURES, FEATURE_NAMES

MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.txt"
#: Written by v1.0 artifacts only; kept so older artifacts still load.
BUCKET_MODEL_FILE = "bucket_model.txt"
#: The artifact shipped with SpotHive.
DEFAULT_ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts" / "risk-v1"


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class RiskArtifact:
    """A loaded artifact: model texts and the manifest."""

    model_text: str
    bucket_model_text: str | None  # v1.0 artifacts only; unused since v1.1
    manifest: Mapping[str, Any]

    @property
    def version(self) -> str:
        """The model version from the manifest (``risk-v1.1.0``)."""
        return str(self.manifest["model_version"])


def save_artifact(
    out_dir: Path,
    model_text: str,
    *,
    model_version: str,
    structure: Mapping[str, Any],
    horizon_layer: Mapping[str, Any],
    familiarity: Mapping[str, Any],
    data_files: Sequence[Path],
    metrics: Mapping[str, Any],
    training: Mapping[str, Any],
    created_at: datetime | None = None,
) -> Path:
    """Write the model text and a manifest that pins contract, features, data and file hashes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {MODEL_FILE: model_text}
    for name, text in files.items():
        (out_dir / name).write_text(text)
    for stale in (BUCKET_MODEL_FILE,):
        (out_dir / stale).unlink(missing_ok=True)
    manifest = {
        "name": "spothive-interruption-risk",
        "model_version": model_version,
        "contract_version": CONTRACT_VERSION,
        "format": "lightgbm-text" if structure.get("kind") == "lightgbm" else "logistic-json",
        "structure": dict(structure),
        "horizon_layer": dict(horizon_layer),
        "familiarity": dict(familiarity),
        "feature_names": list(FEATURE_NAMES),
        "categorical_features": list(CATEGORICAL_FEATURES),
        "model_files": {name: sha256_bytes(text.encode()) for name, text in files.items()},
        "data_files": [
            {"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in data_files
        ],
        "training": dict(training),
        "metrics": dict(metrics),
        "created_at": (created_at or datetime.now(UTC)).isoformat(),
    }
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out_dir / MANIFEST_FILE


def load_artifact(directory: Path = DEFAULT_ARTIFACT_DIR) -> RiskArtifact:
    """Read and verify an artifact: contract version, feature list and model-file hashes must match."""
    manifest = json.loads((directory / MANIFEST_FILE).read_text())
    if manifest.get("contract_version") != CONTRACT_VERSION:
        raise ValueError(
            f"artifact speaks contract {manifest.get('contract_version')!r}, not {CONTRACT_VERSION}"
        )
    if tuple(manifest.get("feature_names", ())) != FEATURE_NAMES:
        raise ValueError("artifact feature names differ from this code's FEATURE_NAMES")
    texts: dict[str, str] = {}
    for name, expected in manifest.get("model_files", {}).items():
        text = (directory / name).read_text()
        if sha256_bytes(text.encode()) != expected:
            raise ValueError(f"{directory / name}: SHA-256 does not match the manifest")
        texts[name] = text
    if MODEL_FILE not in texts:
        raise ValueError(f"{directory}: manifest lists no {MODEL_FILE}")
    return RiskArtifact(texts[MODEL_FILE], texts.get(BUCKET_MODEL_FILE), manifest)
