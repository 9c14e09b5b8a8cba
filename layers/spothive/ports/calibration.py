"""The served model's recalibration: where transitions, calibration documents and model cards are kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class CalibrationStore(Protocol):
    """Keyed objects only (no listing): one calibration document and one model card per model version."""

    def put_transition(self, key: str, transition: Mapping[str, Any]) -> None:
        """Store one Advisor transition (previous and new rates) under ``key``; never overwrites."""

    def transition(self, key: str) -> dict[str, Any]:
        """The transition stored under ``key``."""

    def document(self, model_version: str) -> dict[str, Any] | None:
        """The model version's calibration document, ``None`` when it was never recalibrated."""

    def save(self, document: Mapping[str, Any], card: str) -> None:
        """Write the document (and an immutable copy of its version), the model card, and the latest pointer."""

    def card(self, model_version: str) -> str | None:
        """The stored model card of the model version."""

    def latest_model_version(self) -> str | None:
        """The model version recalibrated last."""


class RecalibrationTrigger(Protocol):
    """Starts the recalibration of the served model on a stored transition."""

    def request(self, transition_key: str) -> dict[str, Any]:
        """Start it (asynchronously where the model is served elsewhere); a short report."""
