"""Artifact round trip, manifest hashes, and the in-process model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from spothive.contracts.risk_v1 import RiskInput, RiskOutput, recommended_action
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
    assert set(manifest["metrics"]) == {"time_split_grouped_by_type", "time_split_grouped_by_family"}


def test_round_trip_predicts_like_the_trained_booster(tiny_artifact: Path) -> None:
    artifact = load_artifact(tiny_artifact)
    assert artifact.version == "risk-v1.0.0"
    model = LightGBMRiskModel.from_artifact(tiny_artifact)
    again = LightGBMRiskModel.from_artifact(tiny_artifact)
    first, second = model.predict([_input()])[0], again.predict([_input()])[0]
    assert first.interruption_probability == second.interruption_probability
    assert first.expected_bucket == second.expected_bucket


def test_tampered_model_is_refused(tiny_artifact: Path, tmp_path: Path) -> None:
    copy = tmp_path / "a"
    shutil.copytree(tiny_artifact, copy)
    (copy / MODEL_FILE).write_text((copy / MODEL_FILE).read_text().replace("tree", "tre", 1))
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
        assert out.source == "model:risk-v1.0.0"
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
    assert all(o.source == "model:risk-v1.0.0" for o in outputs)
    assert outputs[1].interruption_probability >= 0.6  # two live interruptions
    assert (DEFAULT_ARTIFACT_DIR / MODEL_FILE).stat().st_size < 400_000


def test_shipped_manifest_hashes_match_the_public_data(shared_data: Path) -> None:
    manifest = json.loads((DEFAULT_ARTIFACT_DIR / MANIFEST_FILE).read_text())
    for entry in manifest["data_files"]:
        assert sha256_file(shared_data / entry["name"]) == entry["sha256"], entry["name"]
