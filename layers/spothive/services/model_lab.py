"""The model lab (MOD-VAL-01, MOD-AI-01): upload, validate, list, graduate and roll back risk models.

Every admin action lands in the audit ledger of the ``platform`` tenant in the same transaction as the
registry change. Graduation publishes ``models:production`` so warm consumers hot-swap the model.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import InvalidInput, NotFound
from spothive.domain.model_registry import ModelRecord, ModelStatus, sniff_model
from spothive.ports.clock import Clock
from spothive.ports.risk import ModelEvents, ModelRegistry, ModelStore, ModelValidator, RiskModel

LOG = logging.getLogger(__name__)
PLATFORM_ORG = "platform"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Promotion:
    """The outcome of a graduation or rollback."""

    model: ModelRecord
    retired: list[ModelRecord]
    notified: int


class ModelLab:
    """Use cases of ``/api/admin/models`` and ``/api/lab``."""

    def __init__(
        self,
        registry: ModelRegistry,
        store: ModelStore,
        validator: ModelValidator,
        events: ModelEvents,
        clock: Clock,
        *,
        max_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self._registry = registry
        self._store = store
        self._validator = validator
        self._events = events
        self._clock = clock
        self._max_bytes = max_bytes

    def upload(self, actor: str, data: bytes, version: str | None = None) -> ModelRecord:
        """Sniff (refuse with nothing stored), store, validate in the sandbox, then candidate or rejected."""
        if len(data) > self._max_bytes:
            raise InvalidInput(f"the file exceeds {self._max_bytes // (1024 * 1024)} MiB", field="file")
        if version is not None and not _VERSION.match(version):
            raise InvalidInput("version must be 1-64 letters, digits, '.', '_' or '-'", field="version")
        fmt, _ = sniff_model(data)
        now = self._clock.now()
        model_id = f"mdl-{uuid.uuid4().hex[:12]}"
        digest = hashlib.sha256(data).hexdigest()
        record = ModelRecord(
            model_id=model_id, version=version or now.strftime("v%Y%m%d%H%M%S"), status=ModelStatus.UPLOADED,
            sha256=digest, size=len(data), format=fmt, s3_key=f"models/{model_id}/{digest}.txt",
            uploaded_by=actor, created_at=now, updated_at=now,
        )
        self._store.put(record.s3_key, data, digest)
        try:
            self._registry.create(record, _entry(actor, "model.upload", record, None))
        except Exception:
            self._store.delete(record.s3_key)
            raise
        validating = record.moved_to(ModelStatus.VALIDATING, self._clock.now())
        self._registry.save(validating, expected=ModelStatus.UPLOADED)
        report = self._validator.validate(data)
        if report.ok:
            done = validating.moved_to(ModelStatus.CANDIDATE, self._clock.now(), metrics=report.metrics)
            self._registry.save(done, expected=ModelStatus.VALIDATING,
                                audit=_entry("system:validator", "model.validate", done, validating))
            return done
        self._store.delete(record.s3_key)
        done = validating.moved_to(ModelStatus.REJECTED, self._clock.now(), metrics=report.metrics,
                                   reason=(report.reason or "rejected")[:500], s3_key="")
        self._registry.save(done, expected=ModelStatus.VALIDATING,
                            audit=_entry("system:validator", "model.reject", done, validating))
        return done

    def list(self, status: ModelStatus | None = None) -> list[ModelRecord]:
        """Models of one status, or of every status; newest first."""
        statuses = [status] if status else list(ModelStatus)
        found = [r for s in statuses for r in self._registry.by_status(s)]
        return sorted(found, key=lambda r: r.updated_at, reverse=True)

    def _get(self, model_id: str) -> ModelRecord:
        record = self._registry.get(model_id)
        if record is None:
            raise NotFound(f"no model {model_id}", field="model_id")
        return record

    def graduate(self, actor: str, model_id: str) -> Promotion:
        """Candidate → production; the previous production model → retired (kept for rollback)."""
        record = self._get(model_id)
        if record.status is not ModelStatus.CANDIDATE:
            record.moved_to(ModelStatus.PRODUCTION, record.updated_at)  # raises Conflict for non-candidates
        return self._promote(actor, record, "model.graduate")

    def rollback(self, actor: str, model_id: str | None = None) -> Promotion:
        """A retired model (the given one, else the most recently retired) → production again."""
        if model_id is not None:
            record = self._get(model_id)
            if record.status is not ModelStatus.RETIRED:
                raise InvalidInput(f"model {model_id} is {record.status.value}, not retired", field="model_id")
        else:
            retired = self.list(ModelStatus.RETIRED)
            if not retired:
                raise NotFound("no retired model to roll back to", field="model_id")
            record = retired[0]
        return self._promote(actor, record, "model.rollback")

    def _promote(self, actor: str, record: ModelRecord, action: str) -> Promotion:
        now = self._clock.now()
        promoted = record.moved_to(ModelStatus.PRODUCTION, now)
        current = [r for r in self._registry.by_status(ModelStatus.PRODUCTION) if r.model_id != record.model_id]
        retired = [r.moved_to(ModelStatus.RETIRED, now) for r in current]
        audit = AuditEntry(actor, action, "ml_model", record.model_id, before=_brief(record),
                           after={**_brief(promoted), "retired": [r.model_id for r in retired]})
        self._registry.swap(promoted, retired, audit)
        notified = self._events.publish_production(promoted)
        return Promotion(promoted, retired, notified)


def _brief(record: ModelRecord) -> dict[str, Any]:
    return {"model_id": record.model_id, "version": record.version, "status": record.status.value,
            "sha256": record.sha256}


def _entry(actor: str, action: str, record: ModelRecord, before: ModelRecord | None) -> AuditEntry:
    after = {**_brief(record), "reason": record.reason, "metrics": record.metrics}
    return AuditEntry(actor, action, "ml_model", record.model_id,
                      before=_brief(before) if before else None, after=after, reason=record.reason)


class RiskModelHolder:
    """A ``RiskModel`` whose implementation is swapped in place when a new production model is announced.

    ``loader`` turns the announced record into a model (it fetches and verifies the bytes); a failed
    load keeps the current model and is logged, so a bad announcement never takes scoring down.
    """

    def __init__(self, initial: RiskModel, loader: Callable[[ModelRecord], RiskModel]) -> None:
        self._model = initial
        self._loader = loader
        self._lock = Lock()
        self._context: object | None = None
        self.swaps = 0

    @property
    def version(self) -> str:
        """The serving model's version."""
        return self._model.version

    @property
    def context(self) -> object | None:
        """The last context set (kept across swaps)."""
        return self._context

    def set_context(self, context: object) -> bool:
        """Give the serving model (and every later one) a fresher feature context; ``False`` if it takes none."""
        self._context = context
        return _apply_context(self._model, context)

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """Delegate to the current model (a swap never interrupts a running batch)."""
        return self._model.predict(batch)

    def on_production(self, record: ModelRecord) -> bool:
        """Load and swap in ``record``; ``False`` (current model kept) when loading fails."""
        try:
            model = self._loader(record)
        except Exception as exc:
            LOG.error("hot swap to %s failed, keeping %s: %s", record.model_id, self.version, exc)
            return False
        if self._context is not None:
            _apply_context(model, self._context)
        with self._lock:
            self._model = model
            self.swaps += 1
        LOG.info("risk model hot-swapped to %s (%s)", record.version, record.model_id)
        return True


def _apply_context(model: object, context: object) -> bool:
    """Call ``set_context`` on the model, or on the primary a fallback wrapper holds."""
    for target in (model, getattr(model, "_primary", None)):
        setter = getattr(target, "set_context", None)
        if callable(setter):
            setter(context)
            return True
    return False
