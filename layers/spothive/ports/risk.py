"""Risk: the model, the hive mind's signals, the Spot Advisor feed and the market observations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.advisor_feed import Rate, RateChange
from spothive.domain.audit import AuditEntry
from spothive.domain.market_signals import PlacementConfiguration, PlacementScore, SpotPricePoint
from spothive.domain.model_registry import ModelRecord, ModelStatus, ValidationReport
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


class ModelRegistry(Protocol):
    """The ``ml-models`` table; every write carries its audit entry and lands with it atomically."""

    def create(self, record: ModelRecord, audit: AuditEntry) -> None: ...

    def get(self, model_id: str) -> ModelRecord | None: ...

    def save(self, record: ModelRecord, *, expected: ModelStatus, audit: AuditEntry | None = None) -> None:
        """Write ``record`` only if the stored status is still ``expected`` (``Conflict`` otherwise)."""
        ...

    def swap(self, promote: ModelRecord, retire: Sequence[ModelRecord], audit: AuditEntry) -> None:
        """Make ``promote`` production and ``retire`` retired in one transaction."""
        ...

    def by_status(self, status: ModelStatus) -> list[ModelRecord]:
        """A Query of the ``by_status`` index (never a Scan)."""
        ...


class ModelStore(Protocol):
    """Model bytes (S3)."""

    def put(self, key: str, data: bytes, sha256: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class ModelValidator(Protocol):
    """Validates model bytes in isolation (MOD-VAL-01)."""

    def validate(self, data: bytes) -> ValidationReport: ...


class ModelEvents(Protocol):
    """Announces a new production model to every warm consumer (``models:production``)."""

    def publish_production(self, record: ModelRecord) -> int:
        """Publish; returns how many subscribers received it (0 when the cache is down)."""
        ...


class AdvisorFeedSource(Protocol):
    """Where the Spot Advisor feed comes from (the public URL, or a local file offline)."""

    def fetch(self) -> bytes:
        """The raw feed; ``DependencyFailed`` with a clear message when it cannot be read."""
        ...


class InterruptionRates(Protocol):
    """The ``interruption-rates`` table: history per ``region#os#type`` and the last state per region."""

    def state(self, region: str) -> dict[str, Rate]:
        """The last stored ``{"os#type": (bucket, savings)}`` of a region (one GetItem)."""
        ...

    def record(self, region: str, changes: Sequence[RateChange], state: Mapping[str, Rate], observed_at: datetime) -> None:
        """Append a history item per changed pool, then replace the region's state."""
        ...

    def since(self, region: str) -> datetime | None:
        """When the region's state was last replaced (one GetItem); None before the first, or for a state
        stored before its time was kept."""
        ...

    def history(self, pool: str) -> list[tuple[datetime, Rate]]:
        """Every stored rate of a pool, oldest first (a Query)."""
        ...


class MarketSource(Protocol):
    """What the Spot market says now: placement scores per configuration, the recent price history."""

    def placement_scores(self, configuration: PlacementConfiguration, regions: Sequence[str]) -> list[PlacementScore]:
        """Scores per Availability Zone of ``regions`` (the top ten AWS returns)."""
        ...

    def spot_price_history(self, region: str, since: datetime) -> Iterable[SpotPricePoint]:
        """Linux/UNIX Spot price rows of ``region`` since ``since``."""
        ...


class MarketObservations(Protocol):
    """Append-only record of market observations, one batch per kind and ingest, keyed by feature date."""

    def record(self, kind: str, observed_at: datetime, rows: Sequence[Mapping[str, Any]]) -> str:
        """Store ``rows`` under ``kind`` at ``observed_at``; returns where. Never overwrites."""
        ...


class InterruptionHistory(Protocol):
    """When SpotHive saw interruption signals, per instance family (anonymous: no pool, tenant or instance)."""

    def record(self, family: str, at: datetime) -> None: ...

    def times(self, family: str, since: datetime) -> list[datetime]: ...

    def all_times(self, since: datetime) -> dict[str, list[datetime]]: ...
