"""Artifact round trip, manifest hashes, and the in-process model."""

from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import pytest

from spothive.contracts.risk_v1 import (
    RiskInput,
    RiskOutput,
    decision_margin,
    horizon_confidence,
    recommended_action,
)
from spothive.ports.risk import RiskModel
from spothive_models.artifact import (
    DEFAULT_ARTIFACT_DIR,
    MANIFEST_FILE,
    MODEL_FILE,
    load_artifact,
    sha256_file,
)
from spothive_models.datasets import load_source
from spothive_models.features import FEATURE_NAMES, RiskContext
from spothive_models.serving import LightGBMRiskModel

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "layers/spothive/contracts/risk_v1_test_vectors.json").read_text()
)
VALID_INPUTS = [RiskInput.model_validate(v["input"]) for v in VECTORS["inputs"] if v["valid"]]


def _input(**features: object) -> RiskInput:
    base = {
        "instance_type": "m5.2xlarge",
        "availability_zone": "us-east-1a",
        "spot_price_history": [0.1],
        "hour_of_day": 3,
        "day_of_week": 1,
    }
    return RiskInput.model_validate({"contract_version": "v1.0", "features": {**base, **features}})


def test_manifest_pins_contract_features_and_hashes(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    manifest = json.loads((tiny_artifact / MANIFEST_FILE).read_text())
    assert manifest["contract_version"] == "v1.0"
    assert manifest["feature_names"] == list(FEATURE_NAMES)
    assert manifest["created_at"] == "2021-07-01T00:00:00+00:00"
    assert manifest["model_files"][MODEL_FILE] == sha256_file(tiny_artifact / MODEL_FILE)
    data = {d["name"]: d["sha256"] for d in manifest["data_files"]}
    assert data[synthetic["spotlake"].name] == sha256_file(synthetic["spotlake"])
    assert set(manifest["metrics"]) == {"time_holdout", "family_cv"}
    assert manifest["metrics"]["time_holdout"]["horizon_days"] == pytest.approx(151.0, abs=1.0)  # 2021-01 → 06
    assert manifest["structure"]["kind"] in ("lightgbm", "logistic")
    assert manifest["horizon_layer"]["train_months"] == pytest.approx(151 / 30.4375, abs=0.05)


def test_round_trip_predicts_like_the_trained_booster(tiny_artifact: Path) -> None:
    artifact = load_artifact(tiny_artifact)
    assert artifact.version == "risk-v1.1.0"
    model = LightGBMRiskModel.from_artifact(tiny_artifact)
    again = LightGBMRiskModel.from_artifact(tiny_artifact)
    first, second = model.predict([_input()])[0], again.predict([_input()])[0]
    assert first.interruption_probability == second.interruption_probability
    assert first.expected_bucket == second.expected_bucket
    assert first.prediction_id != second.prediction_id


def test_tampered_model_is_refused(tiny_artifact: Path, tmp_path: Path) -> None:
    copy = tmp_path / "a"
    shutil.copytree(tiny_artifact, copy)
    (copy / MODEL_FILE).write_text((copy / MODEL_FILE).read_text()[:-2] + "0\n")
    with pytest.raises(ValueError, match="SHA-256"):
        load_artifact(copy)


def test_wrong_contract_version_is_refused(tiny_artifact: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(tiny_artifact, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["contract_version"] = "v0.9"
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="contract"):
        load_artifact(copy)


def test_outputs_follow_the_contract(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    context = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "catalog")])
    model = LightGBMRiskModel.from_artifact(tiny_artifact, context)
    assert isinstance(model, RiskModel)
    outputs = model.predict([_input(), _input(instance_type="r6i.8xlarge", availability_zone="aps1-az1")])
    for out in outputs:
        RiskOutput.model_validate(out.model_dump())  # re-validates action vs probability
        assert out.source == "model:risk-v1.1.0"
        assert out.recommended_action == recommended_action(out.interruption_probability)
        assert 0.0 <= (out.expected_bucket or 0.0) <= 4.0


def test_context_raises_coverage_and_confidence(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    bare = LightGBMRiskModel.from_artifact(tiny_artifact)
    context = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "catalog")])
    rich = LightGBMRiskModel.from_artifact(tiny_artifact, context)
    row_bare, row_rich = bare.features(_input()), rich.features(_input())
    known = sum(1 for n in FEATURE_NAMES if row_rich[n] == row_rich[n])
    assert known > sum(1 for n in FEATURE_NAMES if row_bare[n] == row_bare[n])
    assert rich.predict([_input()])[0].confidence_score > 0


def test_serving_honours_the_horizon(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    context = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "catalog")])
    model = LightGBMRiskModel.from_artifact(tiny_artifact, context)
    days = (1, 30, 151, 400, 1500)
    risky = model.predict([_input(advisor_bucket=4, horizon_days=d) for d in days])
    calm = model.predict([_input(advisor_bucket=0, horizon_days=d) for d in days])
    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    gaps = [
        abs(logit(r.interruption_probability) - logit(c.interruption_probability))
        for r, c in zip(risky, calm, strict=True)
    ]
    # the pool's own bucket separates a bucket-4 from a bucket-0 pool less and less as the chain mixes
    assert all(a >= b for a, b in itertools.pairwise(gaps)), gaps
    assert risky[0].interruption_probability > 0.95 and calm[0].interruption_probability < 0.1
    # the default horizon is 30 days
    assert model.predict([_input(advisor_bucket=4)])[0].interruption_probability == risky[1].interruption_probability


def test_confidence_is_highest_at_the_validated_horizon(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    context = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "catalog")])
    model = LightGBMRiskModel.from_artifact(tiny_artifact, context)
    validated = round(model._predictor.validated_days or 0)
    assert validated == 151
    outs = {d: model.predict([_input(horizon_days=d)])[0] for d in (validated, 10, 1500)}
    for d in (10, 1500):  # same pool: compare the confidence per unit of decision margin
        ratio = outs[d].confidence_score / outs[validated].confidence_score
        margin_ratio = (0.5 + 0.5 * decision_margin(outs[d].interruption_probability)) / (
            0.5 + 0.5 * decision_margin(outs[validated].interruption_probability)
        )
        assert ratio / margin_ratio == pytest.approx(horizon_confidence(d, 151 * 1.0), rel=0.02)
        assert ratio / margin_ratio < 0.8


def test_confidence_is_lower_far_from_the_training_data(tiny_artifact: Path, synthetic: dict[str, Path]) -> None:
    context = RiskContext.from_sources([load_source(synthetic[k]) for k in ("advisor", "catalog")])
    model = LightGBMRiskModel.from_artifact(tiny_artifact, context)
    usual, odd = model.predict([_input(on_demand_price=0.8), _input(on_demand_price=900.0)])
    m_usual = 0.5 + 0.5 * decision_margin(usual.interruption_probability)
    m_odd = 0.5 + 0.5 * decision_margin(odd.interruption_probability)
    assert odd.confidence_score / m_odd < usual.confidence_score / m_usual * 0.99


def test_live_interruptions_floor_the_probability(tiny_artifact: Path) -> None:
    model = LightGBMRiskModel.from_artifact(tiny_artifact)
    out = model.predict([_input(live_interruptions=1, advisor_bucket=0)])[0]
    assert out.interruption_probability >= 0.6
    assert out.recommended_action.value == "AVOID"
    assert "live interruption" in (out.reason or "")


def test_empty_batch() -> None:
    assert LightGBMRiskModel.from_artifact(DEFAULT_ARTIFACT_DIR).predict([]) == []


def test_shipped_artifact_answers_every_valid_vector() -> None:
    model = LightGBMRiskModel.from_artifact()
    outputs = model.predict(VALID_INPUTS)
    assert len(outputs) == len(VALID_INPUTS)
    assert all(o.source == "model:risk-v1.1.0" for o in outputs)
    assert outputs[1].interruption_probability >= 0.6  # two live interruptions
    assert (DEFAULT_ARTIFACT_DIR / MODEL_FILE).stat().st_size < 400_000


def test_shipped_manifest_hashes_match_the_public_data(shared_data: Path) -> None:
    manifest = json.loads((DEFAULT_ARTIFACT_DIR / MANIFEST_FILE).read_text())
    for entry in manifest["data_files"]:
        assert sha256_file(shared_data / entry["name"]) == entry["sha256"], entry["name"]
