"""Validation of an uploaded risk model (MOD-VAL-01). Runs inside the sandboxed validator process.

Checks, in order (the first failure rejects the model, with its reason):

1. format: the bytes sniff as LightGBM model text (or its JSON envelope); pickle is refused unread;
2. header: ``feature_names`` equal this code's ``FEATURE_NAMES`` (22 structure features) and the objective is binary;
   read from the text before LightGBM parses anything;
3. load: ``lightgbm.Booster(model_str=…)`` (never pickle) with one output per row;
4. contract: every valid input vector of ``risk_v1_test_vectors.json`` scores to a v1.0 output that
   validates (probability in [0, 1], confidence in [0, 1], action matching the 0.2 / 0.5 thresholds);
   the action-boundary vectors map as the contract says;
5. quality: on the held-out pools (``validate_holdout_v1.json``) every probability is finite in [0, 1]
   and the AUC is at least ``min_auc``.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

import numpy as np

from spothive.contracts.risk_v1 import RiskInput, RiskOutput, recommended_action
from spothive.domain.errors import InvalidInput
from spothive.domain.model_registry import sniff_model
from spothive_models.features import FEATURE_NAMES

DEFAULT_MIN_AUC = 0.75


class Rejected(Exception):
    """The model fails a check; the message is the reason recorded in the registry."""


def _header(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.split("\n", 64)[:64]:
        if line.startswith("Tree="):
            break
        key, sep, value = line.partition("=")
        if sep:
            fields[key] = value
    return fields


def check_header(text: str) -> None:
    """Feature names and objective from the model text, before LightGBM parses it."""
    header = _header(text)
    names = tuple(header.get("feature_names", "").split())
    if names != FEATURE_NAMES:
        raise Rejected(f"feature_names must be the {len(FEATURE_NAMES)} structure features in order "
                       f"(got {len(names)}: {' '.join(names[:4])} …)")
    if not header.get("objective", "").startswith(("binary", "cross_entropy")):
        raise Rejected(f"objective must be binary (P(high)), got {header.get('objective')!r}")
    if header.get("num_class", "1") != "1":
        raise Rejected("num_class must be 1")


def _vectors() -> dict[str, Any]:
    text = resources.files("spothive.contracts").joinpath("risk_v1_test_vectors.json").read_text()
    return dict(json.loads(text))


def check_contract(model: Any) -> int:
    """Score every valid input vector and validate the outputs; returns how many were checked."""
    vectors = _vectors()
    inputs = [RiskInput.model_validate(v["input"]) for v in vectors["inputs"] if v["valid"]]
    outputs = model.predict(inputs)
    if len(outputs) != len(inputs):
        raise Rejected(f"contract: {len(outputs)} outputs for {len(inputs)} inputs")
    for vector_input, output in zip(inputs, outputs, strict=True):
        try:
            RiskOutput.model_validate(output.model_dump(mode="json"))
        except ValueError as exc:
            raise Rejected(f"contract: output for {vector_input.features.instance_type} is invalid: {exc}") from exc
    for case in vectors["actions"]:
        if recommended_action(case["probability"]).value != case["action"]:
            raise Rejected(f"contract: p={case['probability']} must be {case['action']}")
    return len(inputs)


def check_quality(predictor: Any, min_auc: float) -> dict[str, float]:
    """AUC and log-loss on the held-out pools; ``Rejected`` below ``min_auc`` or on a bad probability."""
    from spothive_models.evaluation import auc, log_loss
    from spothive_models.validate_holdout import load

    features, labels = load()
    probability, _ = predictor.predict_matrix(features)
    if probability.shape != labels.shape or not np.all(np.isfinite(probability)):
        raise Rejected("quality: the model returned non-finite or missing probabilities")
    if probability.min() < 0.0 or probability.max() > 1.0:
        raise Rejected("quality: probabilities outside [0, 1]")
    metrics = {
        "holdout_auc": round(float(auc(labels, probability)), 4),
        "holdout_log_loss": round(float(log_loss(labels, probability)), 4),
        "holdout_pools": float(len(labels)),
    }
    if not math.isfinite(metrics["holdout_auc"]) or metrics["holdout_auc"] < min_auc:
        raise Rejected(f"quality: held-out AUC {metrics['holdout_auc']:.3f} is below the minimum {min_auc:.2f}")
    return metrics


def validate_bytes(data: bytes, min_auc: float = DEFAULT_MIN_AUC) -> dict[str, Any]:
    """``{"ok", "reason", "metrics"}`` for an upload; never raises for a bad model."""
    metrics: dict[str, Any] = {}
    try:
        try:
            fmt, text = sniff_model(data)
        except InvalidInput as exc:
            raise Rejected(exc.message) from exc
        check_header(text)
        from spothive_models.artifact import RiskArtifact
        from spothive_models.predictor import BoosterPredictor
        from spothive_models.serving import LightGBMRiskModel

        try:
            predictor = BoosterPredictor(RiskArtifact(text, None, {"model_version": "candidate"}))
        except Exception as exc:
            raise Rejected(f"load: LightGBM could not parse the model text: {exc}"[:300]) from exc
        metrics["format"] = fmt
        metrics["num_trees"] = int(predictor._binary.num_trees())
        metrics["contract_vectors"] = check_contract(LightGBMRiskModel(predictor))
        metrics.update(check_quality(predictor, min_auc))
    except Rejected as exc:
        return {"ok": False, "reason": str(exc), "metrics": metrics}
    return {"ok": True, "reason": None, "metrics": metrics}
