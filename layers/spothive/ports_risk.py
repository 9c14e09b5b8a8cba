"""The interruption-risk port: anything that turns v1.0 inputs into v1.0 outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.risk_signals import PoolFlag, PoolSignal


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


class RiskSignals(Protocol):
    """The cross-tenant pool-risk cache (SVC-RISK-GLB). Raises ``ServiceUnavailable`` when it is down."""

    def flag(self, signal: PoolSignal, *, ttl_seconds: int, window_seconds: int) -> PoolFlag:
        """Raise the pool's flag (never downgrading DANGER), count it in the window, publish it."""
        ...

    def lookup(self, pools: Sequence[tuple[str, str]]) -> dict[str, PoolFlag]:
        """Live flags of ``(zone, type)`` pools by exact key, in one round trip; unflagged pools are absent."""
        ...


class InstanceLocator(Protocol):
    """Finds the pool of a customer instance named by an EventBridge event (from the inventory)."""

    def locate(self, aws_account: str, region: str, instance_id: str) -> tuple[str, str] | None:
        """``(zone, instance_type)`` or ``None`` when no linked account knows the instance."""
        ...
