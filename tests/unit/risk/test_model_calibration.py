"""The calibration document, the card's Recalibrations table, and a warm process following the document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.model_calibration import append_record, empty_document, model_card, recalibrations_markdown
from spothive.services.model_recalibration import CalibrationFollower, FollowedModel, served_primary
from spothive.services.risk_heuristic import FallbackRiskModel
from tests.support.fakes import FixedClock

FITTED = {"status": "fitted", "n": 255, "observed_rate": 0.4, "observed_at": "2031-03-01T12:00:00+00:00",
          "feed_date": "2031-03-01", "before": {"ece": 0.2, "log_loss": 1.35, "brier": 0.2},
          "after": {"ece": 0.011, "log_loss": 0.458, "brier": 0.153}, "calibration": {"intercept": 2.2, "slope": 0.5}}
SKIPPED = {"status": "skipped", "reason": "30 labelled pools, fewer than 50", "n": 30, "observed_rate": 0.1,
           "observed_at": "2031-03-02T00:00:00+00:00", "feed_date": "2031-03-02", "calibration": None}


def test_a_fitted_record_bumps_the_version_and_a_skipped_one_changes_only_the_history() -> None:
    fitted = append_record(empty_document("risk-v1.1.0"), FITTED)
    assert (fitted["version"], fitted["calibration"]) == (1, {"intercept": 2.2, "slope": 0.5})
    assert fitted["records"][-1]["calibration_version"] == 1
    skipped = append_record(fitted, SKIPPED)
    assert (skipped["version"], skipped["calibration"]) == (1, {"intercept": 2.2, "slope": 0.5})
    assert [r["status"] for r in skipped["records"]] == ["fitted", "skipped"]
    assert "calibration_version" not in skipped["records"][-1]


def test_the_card_appends_one_dated_row_per_record() -> None:
    document = append_record(append_record(empty_document("risk-v1.1.0"), FITTED), SKIPPED)
    table = recalibrations_markdown(document["records"])
    rows = [line for line in table.splitlines() if line.startswith("| 2031")]
    assert rows == [
        "| 2031-03-01T12:00:00+00:00 | 2031-03-01 | fitted | 255 | 0.400 | 0.2000 → 0.0110 | 1.3500 → 0.4580 "
        "| 0.2000 → 0.1530 | 2.2 | 0.5 | 1 |",
        "| 2031-03-02T00:00:00+00:00 | 2031-03-02 | skipped: 30 labelled pools, fewer than 50 | 30 | 0.100 "
        "| — → — | — → — | — → — | — | — | — |",
    ]
    card = model_card(document, "# Model card: shipped\n\nbody\n")
    assert card.startswith("# Model card: shipped\n\nbody\n\n## Recalibrations")
    assert model_card(document).startswith("# Model card: risk-v1.1.0")


class _Calibrated:
    """A model that takes a calibration (as ``LightGBMRiskModel`` does)."""

    version = "risk-v1.1.0"

    def __init__(self) -> None:
        self.applied: list[tuple[Any, int]] = []

    def set_calibration(self, calibration: Any, version: int = 0) -> None:
        self.applied.append((calibration, version))

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        return []


class _Store:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.reads = 0

    def document(self, model_version: str) -> dict[str, Any] | None:
        self.reads += 1
        return self.documents.get(model_version)


def test_a_warm_process_follows_a_newer_calibration_with_one_keyed_read_a_minute() -> None:
    store, clock, primary = _Store(), FixedClock(datetime(2031, 3, 1, tzinfo=UTC)), _Calibrated()

    def apply(model: Any, document: Mapping[str, Any]) -> bool:
        target = served_primary(model)
        target.set_calibration(document["calibration"], document["version"])
        return True

    followed = FollowedModel(FallbackRiskModel(primary), CalibrationFollower(store, clock, apply))  # type: ignore[arg-type]
    followed.predict([])
    assert (store.reads, primary.applied) == (1, [])  # never recalibrated: the identity stays
    store.documents["risk-v1.1.0"] = append_record(empty_document("risk-v1.1.0"), FITTED)
    followed.predict([])
    assert store.reads == 1  # within the minute: no read
    clock.advance(timedelta(seconds=61))
    followed.predict([])
    assert primary.applied == [({"intercept": 2.2, "slope": 0.5}, 1)]
    clock.advance(timedelta(seconds=61))
    followed.predict([])
    assert store.reads == 3 and len(primary.applied) == 1  # the same version is not applied twice
    assert followed.version == "risk-v1.1.0" and served_primary(followed) is primary
