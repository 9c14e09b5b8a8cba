"""MOD-AI-01 + SVC-SCRAPE-01: recalibrate the served model against each Advisor feed that changed pools.

The Advisor worker stores the transition (previous and new rates) and asks for a recalibration; where the
model is served, the transition is scored, a bounded map fitted (the ML side, injected as ``fit``), the
result appended to the model version's calibration document and model card, and applied at once. Every
other warm process follows the document by one keyed read at most every ``refresh_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.advisor_feed import Rate
from spothive.domain.errors import NotFound
from spothive.domain.model_calibration import append_record, empty_document, model_card
from spothive.ports.calibration import CalibrationStore
from spothive.ports.clock import Clock
from spothive.ports.risk import RiskModel

LOG = logging.getLogger(__name__)
Rates = Mapping[str, Mapping[str, Rate]]
#: ``fit(served model, previous rates, new rates, horizon days)`` → (model version, result, served map or None);
#: ``None`` when the process serves no model that can be recalibrated.
Fit = Callable[[Any, Rates, Rates, float], tuple[str, dict[str, Any], dict[str, Any] | None] | None]
#: ``apply(model, calibration document)``: give the model the document's map; ``False`` if it takes none.
Apply = Callable[[Any, Mapping[str, Any]], bool]


def transition_key(observed_at: datetime) -> str:
    """Where an ingest's transition is kept: by date and time, one per ingest."""
    return f"transitions/{observed_at:%Y-%m-%d}/{observed_at:%H%M%S}.json"


class ModelRecalibration:
    """Record transitions (worker side), recalibrate (serving side), show the model card (admin side)."""

    def __init__(self, store: CalibrationStore, clock: Clock, fit: Fit, apply: Apply, *,
                 horizon_days: float = 1.0, base_card: Callable[[str], str] = lambda version: "") -> None:
        self._store = store
        self._clock = clock
        self._fit = fit
        self._apply = apply
        self._horizon_days = horizon_days
        self._base_card = base_card

    def record_transition(self, previous: Rates, fresh: Rates, observed_at: datetime,
                          horizon_days: float | None = None) -> str:
        """Store the pools of the previous state and of the new feed, and how long the previous state held
        (the forecast's horizon); returns the transition's key."""
        key = transition_key(observed_at)
        self._store.put_transition(key, {
            "observed_at": observed_at.isoformat(timespec="seconds"),
            "horizon_days": self._horizon_days if horizon_days is None else horizon_days,
            "previous": {r: {k: list(v) for k, v in pools.items()} for r, pools in previous.items()},
            "fresh": {r: {k: list(v) for k, v in pools.items()} for r, pools in fresh.items()},
        })
        return key

    def recalibrate(self, key: str, model: RiskModel) -> dict[str, Any]:
        """Fit on the stored transition, append the record (versioned), rewrite the card, apply the map.
        A transition already recorded for the model's version (a retried request) is not fitted again."""
        stored = self._store.document(model.version) or empty_document(model.version)
        done = next((r for r in stored["records"] if r.get("transition") == key), None)
        if done is not None:
            return _report(done, stored, key, self._apply(model, stored), reason="already recorded")
        transition = self._store.transition(key)
        horizon = float(transition.get("horizon_days", self._horizon_days))  # older transitions carry none
        fitted = self._fit(model, _rates(transition["previous"]), _rates(transition["fresh"]), horizon)
        if fitted is None:
            return {"status": "skipped", "reason": "this process serves no recalibratable model", "transition": key}
        model_version, result, served = fitted
        if model_version != stored["model_version"]:
            stored = self._store.document(model_version) or empty_document(model_version)
        observed = str(transition["observed_at"])
        record = {**result, "observed_at": observed, "feed_date": observed[:10], "transition": key,
                  "horizon_days": horizon, "calibration": served,
                  "recorded_at": self._clock.now().isoformat(timespec="seconds")}
        document = append_record(stored, record)
        self._store.save(document, model_card(document, self._base_card(model_version)))
        applied = served is not None and self._apply(model, document)
        LOG.info("recalibration of %s on %s: %s", model_version, key, result["status"])
        return _report(record, document, key, applied)

    def card(self, model_version: str | None = None) -> dict[str, Any]:
        """The stored model card and its records; ``NotFound`` when the version was never recalibrated."""
        version = model_version or self._store.latest_model_version()
        document = self._store.document(version) if version else None
        if version is None or document is None:
            raise NotFound(f"no recalibrated model {version or ''}".strip(), field="model_version")
        return {"model_version": version, "calibration_version": document["version"],
                "calibration": document["calibration"], "recalibrations": document["records"],
                "markdown": self._store.card(version) or model_card(document)}


def _report(record: Mapping[str, Any], document: Mapping[str, Any], key: str, applied: bool,
            reason: str | None = None) -> dict[str, Any]:
    return {"status": record["status"], "reason": reason or record.get("reason"),
            "model_version": document["model_version"], "calibration_version": document["version"],
            "applied": applied, "n": record["n"], "before": record.get("before"), "after": record.get("after"),
            "transition": key}


def _rates(data: Mapping[str, Mapping[str, Sequence[int]]]) -> dict[str, dict[str, Rate]]:
    return {region: {key: (int(v[0]), int(v[1])) for key, v in pools.items()} for region, pools in data.items()}


class CalibrationFollower:
    """Keeps a served model on its version's latest calibration: one keyed read at most every ``refresh``."""

    def __init__(self, store: CalibrationStore, clock: Clock, apply: Apply, *, refresh_seconds: float = 60.0) -> None:
        self._store = store
        self._clock = clock
        self._apply = apply
        self._refresh = timedelta(seconds=refresh_seconds)
        self._checked: tuple[str, datetime] | None = None
        self._applied: tuple[str, int] | None = None

    def refresh(self, model: RiskModel, *, force: bool = False) -> bool:
        """Apply a newer calibration of the model's version if there is one; ``True`` when one was applied."""
        now, version = self._clock.now(), model.version
        if not force and self._checked and self._checked[0] == version and now - self._checked[1] < self._refresh:
            return False
        self._checked = (version, now)
        try:
            document = self._store.document(version)
        except Exception as exc:  # the store being down must not stop scoring: keep the current map
            LOG.warning("calibration of %s not refreshed: %s", version, exc)
            return False
        if document is None or self._applied == (version, int(document["version"])):
            return False
        self._applied = (version, int(document["version"]))
        return self._apply(model, document)


class FollowedModel:
    """A ``RiskModel`` that refreshes its calibration (through the follower) before scoring."""

    def __init__(self, inner: RiskModel, follower: CalibrationFollower) -> None:
        self.inner = inner
        self.follower = follower

    @property
    def version(self) -> str:
        """The served model's version."""
        return self.inner.version

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """Refresh the calibration when due, then score."""
        self.follower.refresh(self.inner)
        return self.inner.predict(batch)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)  # set_context, context, on_production … of the wrapped model


def served_primary(model: object) -> Any:
    """The innermost model that takes a calibration, through holders and fallback wrappers; else ``None``."""
    seen: set[int] = set()
    current: Any = model
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if callable(getattr(type(current), "set_calibration", None)):
            return current
        current = next((vars(current)[a] for a in ("inner", "_model", "_primary")
                        if a in getattr(current, "__dict__", {})), None)
    return None
