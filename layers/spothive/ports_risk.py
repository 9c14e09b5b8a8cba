"""The interruption-risk port: anything that turns v1.0 inputs into v1.0 outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from spothive.contracts.risk_v1 import RiskInput, RiskOutput


@runtime_checkable
class RiskModel(Protocol):
    """Predicts Spot interruption risk (MOD-AI-01); implementations: in-process, SageMaker, heuristic."""

    @property
    def version(self) -> str:
        """Identifies the model; outputs carry ``source="model:<version>"``."""
        ...

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """One output per input, in order."""
        ...
