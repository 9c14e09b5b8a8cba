"""Hot prices, SAFE_MODE, lab experiments, the model registry and interruption rates in memory."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from spothive.domain.advisor_feed import Rate, RateChange
from spothive.domain.audit import AuditEntry
from spothive.domain.catalog import Catalog, load_builtin_catalog
from spothive.domain.errors import Conflict, ServiceUnavailable
from spothive.domain.model_registry import ModelRecord, ModelStatus
from spothive.domain.price_freshness import RegionPrices
from spothive.ports.clock import Clock
from tests.support.fakes.audit import MemoryLedger

#: The ledger partition of platform-wide records (the model registry's).
PLATFORM_ORG = "platform"


class MemoryHotPrices:
    """``HotPrices`` per region, replaced whole on each store and kept however old (freshness is the reader's)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.regions: dict[str, RegionPrices] = {}

    def store(self, prices: RegionPrices) -> None:
        self.regions[prices.region] = prices

    def latest(self, region: str) -> RegionPrices | None:
        return self.regions.get(region)


class SafeMode:
    """``SafeModeFlag`` set by the test; ``on=None`` is a switch whose store cannot be read (it raises
    ``ServiceUnavailable``, so the callers' own fail-safe path is exercised)."""

    def __init__(self, on: bool | None = False) -> None:
        self.on = on

    def is_on(self) -> bool:
        if self.on is None:
            raise ServiceUnavailable("cache down")
        return self.on


class MemorySafeModeSwitches:
    """``SafeModeSwitches`` over a dict of scopes (``global``, ``org:{org}``, ``cluster:{org}:{cluster}``);
    ``unreadable`` makes every read raise ``ServiceUnavailable``, as a cache that is down does."""

    def __init__(self, **on: bool) -> None:
        self.scopes: dict[str, bool] = {k.replace("__", ":"): v for k, v in on.items()}
        self.unreadable = False

    def get(self, scope: str) -> bool | None:
        if self.unreadable:
            raise ServiceUnavailable("cache down")
        return self.scopes.get(scope)

    def set(self, scope: str, on: bool) -> None:
        self.scopes[scope] = on


class MemoryLabRepo:
    """``LabRepo`` over a dict (records are copied in and out, as a table would)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def save(self, experiment_id: str, item: Mapping[str, Any], *, expect_status: str | None = None) -> None:
        if expect_status is not None and (self.items.get(experiment_id) or {}).get("status") != expect_status:
            raise Conflict(f"experiment {experiment_id} is no longer {expect_status}", field="status")
        stored = {"experiment_id": experiment_id, "model_id": str(item.get("model_id") or "none"),
                  "created_at": str(item["created_at"]), "kind": str(item.get("kind", "live-switch")),
                  "status": str(item["status"]), "instance_id": item.get("instance_id"),
                  "spot_instance_id": item.get("spot_instance_id"), "org_id": item.get("org_id") or None,
                  "telemetry": copy.deepcopy(dict(item.get("telemetry", {})))}
        self.items[experiment_id] = stored

    def get(self, experiment_id: str) -> dict[str, Any] | None:
        found = self.items.get(experiment_id)
        return copy.deepcopy(found) if found is not None else None

    def by_model(self, model_id: str, since: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(i) for i in sorted(self.items.values(), key=lambda i: i["created_at"])
                if i["model_id"] == model_id and i["created_at"] >= since]


class MemoryModelRegistry:
    """``ModelRegistry`` over a dict with the status conditions of the DynamoDB registry."""

    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger
        self.models: dict[str, ModelRecord] = {}

    def create(self, record: ModelRecord, audit: AuditEntry) -> None:
        def change() -> None:
            if record.model_id in self.models:
                raise Conflict("the resource changed meanwhile; reload and retry")
            self.models[record.model_id] = record

        self._ledger.commit(PLATFORM_ORG, audit, change)

    def get(self, model_id: str) -> ModelRecord | None:
        return self.models.get(model_id)

    def save(self, record: ModelRecord, *, expected: ModelStatus, audit: AuditEntry | None = None) -> None:
        def change() -> None:
            stored = self.models.get(record.model_id)
            if stored is None or stored.status != expected:
                raise Conflict(f"model {record.model_id} changed meanwhile; reload and retry", field="model_id")
            self.models[record.model_id] = record

        self._ledger.commit(PLATFORM_ORG, audit, change)

    def swap(self, promote: ModelRecord, retire: Sequence[ModelRecord], audit: AuditEntry) -> None:
        def change() -> None:
            stored = self.models.get(promote.model_id)
            if stored is None or stored.status not in (ModelStatus.CANDIDATE, ModelStatus.RETIRED):
                raise Conflict("the resource changed meanwhile; reload and retry")
            for old in retire:
                current = self.models.get(old.model_id)
                if current is None or current.status != ModelStatus.PRODUCTION:
                    raise Conflict("the resource changed meanwhile; reload and retry")
            self.models[promote.model_id] = promote
            for old in retire:
                self.models[old.model_id] = old

        self._ledger.commit(PLATFORM_ORG, audit, change)

    def by_status(self, status: ModelStatus) -> list[ModelRecord]:
        """Records in ``status`` by ``version`` (the index's sort key)."""
        return sorted((m for m in self.models.values() if m.status == status), key=lambda m: m.version)


class MemoryInterruptionRates:
    """``InterruptionRates``: history per pool (oldest first) and the last state per region."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Rate]] = {}
        self.pools: dict[str, dict[str, Rate]] = {}  # pool → observed_at (ISO, seconds) → rate
        self.stored_at: dict[str, datetime] = {}
        self.writes = 0

    def state(self, region: str) -> dict[str, Rate]:
        return dict(self.states.get(region, {}))

    def record(self, region: str, changes: Sequence[RateChange], state: Mapping[str, Rate], observed_at: datetime) -> None:
        stamp = observed_at.isoformat(timespec="seconds")
        for change in changes:
            self.pools.setdefault(change.pool, {})[stamp] = change.after
        self.states[region] = dict(state)
        self.stored_at[region] = observed_at.replace(microsecond=0)
        self.writes += 1

    def since(self, region: str) -> datetime | None:
        return self.stored_at.get(region)

    def history(self, pool: str) -> list[tuple[datetime, Rate]]:
        return [(datetime.fromisoformat(at), rate) for at, rate in sorted(self.pools.get(pool, {}).items())]


class FixedCatalogs:
    """``CatalogSource`` serving one catalog (the built-in snapshot unless given) for every region; records
    the regions asked for."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog or load_builtin_catalog()
        self.regions: list[str] = []

    def catalog(self, region: str) -> Catalog:
        self.regions.append(region)
        return self._catalog
