"""Load a registered model from S3 into an in-process ``RiskModel`` (imports LightGBM only when called)."""

from __future__ import annotations

import hashlib
from typing import Any

from spothive.domain.model_registry import ModelRecord, sniff_model
from spothive.ports.risk import ModelStore, RiskModel


class S3ModelLoader:
    """Fetches the bytes, checks their SHA-256 against the registry, parses the LightGBM text."""

    def __init__(self, store: ModelStore, context: Any = None) -> None:
        self._store = store
        self._context = context

    def __call__(self, record: ModelRecord) -> RiskModel:
        data = self._store.get(record.s3_key)
        if hashlib.sha256(data).hexdigest() != record.sha256:
            raise ValueError(f"model {record.model_id}: SHA-256 of the stored bytes does not match the registry")
        _, text = sniff_model(data)
        from spothive_models.artifact import RiskArtifact
        from spothive_models.predictor import BoosterPredictor
        from spothive_models.serving import LightGBMRiskModel

        manifest = {"model_version": record.version, "model_id": record.model_id}
        return LightGBMRiskModel(BoosterPredictor(RiskArtifact(text, None, manifest)), self._context)
