"""Upload sniffing, the model lifecycle and the sandboxed validator's limits."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spothive.adapters.model_validator import Limits, SubprocessValidator
from spothive.domain.errors import Conflict, InvalidInput
from spothive.domain.model_registry import LIGHTGBM_JSON, LIGHTGBM_TEXT, ModelRecord, ModelStatus, sniff_model

SHIPPED = Path(__file__).resolve().parents[3] / "models" / "spothive_models" / "artifacts" / "risk-v1" / "model.txt"
NOW = datetime(2026, 3, 8, tzinfo=UTC)


@pytest.mark.parametrize("data", [pickle.dumps([1], protocol=p) for p in range(6)]
                         + [b"cos\nsystem\n(S'id'\ntR."])
def test_every_pickle_protocol_is_refused_by_name(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        sniff_model(data)
    assert caught.value.field == "file" and "pickle" in caught.value.message


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04zip", b"\x1f\x8bgz", b"\xff\xfe\x00", b"tree\nno header",
                                  b'{"format": "onnx", "model_text": "x"}', b"{not json"])
def test_other_non_lightgbm_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        sniff_model(data)


def test_lightgbm_text_and_its_json_envelope_are_accepted() -> None:
    text = SHIPPED.read_text()
    assert sniff_model(text.encode()) == (LIGHTGBM_TEXT, text)
    envelope = json.dumps({"format": "lightgbm-text", "model_text": text}).encode()
    assert sniff_model(envelope) == (LIGHTGBM_JSON, text)


def test_lifecycle_allows_only_its_transitions() -> None:
    record = ModelRecord("mdl-1", "v1", ModelStatus.CANDIDATE, "0" * 64, 1, LIGHTGBM_TEXT, "k", "user:1", NOW, NOW)
    assert record.moved_to(ModelStatus.PRODUCTION, NOW).moved_to(ModelStatus.RETIRED, NOW).status is ModelStatus.RETIRED
    with pytest.raises(Conflict) as caught:
        record.moved_to(ModelStatus.VALIDATING, NOW)
    assert caught.value.field == "model_id"
    rejected = ModelRecord("mdl-2", "v1", ModelStatus.REJECTED, "0" * 64, 1, LIGHTGBM_TEXT, "", "user:1", NOW, NOW)
    with pytest.raises(Conflict):
        rejected.moved_to(ModelStatus.PRODUCTION, NOW)


def test_shipped_model_passes_the_sandboxed_validator() -> None:
    report = SubprocessValidator().validate(SHIPPED.read_bytes())
    assert report.ok, report.reason
    assert report.metrics["holdout_auc"] >= 0.9 and report.metrics["contract_vectors"] == 3


def test_memory_and_time_limits_reject_instead_of_hanging() -> None:
    data = SHIPPED.read_bytes()
    starved = SubprocessValidator(Limits(memory_mib=150)).validate(data)
    assert not starved.ok and starved.reason
    late = SubprocessValidator(Limits(wall_seconds=0.05)).validate(data)
    assert not late.ok and "time limit" in (late.reason or "")
