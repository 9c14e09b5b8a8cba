"""Per-instance risk scoring routed by the ``spothive:model`` tag (the lab's A/B tests).

An instance tagged ``spothive:model=<registry id>`` is scored by that model and by no other: when the model
cannot be loaded or fails, the instance gets no prediction (an error says why) rather than another model's,
so two models under test never see each other's instances. Untagged instances are scored by the production
model. Every routed prediction is recorded in ``lab-experiments`` with the model that made it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from spothive.domain.inventory import DiscoveredInstance
from spothive.ports.clock import Clock
from spothive.ports.lab import LabRepo
from spothive.ports.pricing import CatalogSource
from spothive.ports.risk import RiskModel
from spothive.services.optimization_risk import risk_input

LOG = logging.getLogger(__name__)

#: The tag that routes an instance's predictions to a registry model.
MODEL_TAG = "spothive:model"
#: What an untagged instance's prediction records as its model.
PRODUCTION = "production"


class ModelRouter:
    """Scores instances with the model their tag names (``models(model_id)`` loads a registry model)."""

    def __init__(self, production: RiskModel, models: Callable[[str], RiskModel], lab: LabRepo,
                 catalogs: CatalogSource, clock: Clock) -> None:
        self._production = production
        self._models = models
        self._loaded: dict[str, RiskModel] = {}
        self._lab = lab
        self._catalogs = catalogs
        self._clock = clock

    def _model(self, model_id: str) -> RiskModel:
        if model_id not in self._loaded:
            self._loaded[model_id] = self._models(model_id)
        return self._loaded[model_id]

    def score(self, org_id: str, instances: Sequence[DiscoveredInstance]) -> list[dict[str, Any]]:
        """One result per instance, in order: ``{instance_id, model_id, interruption_probability, …}`` or
        ``{instance_id, model_id, error}``."""
        groups: dict[str, list[int]] = {}
        for i, instance in enumerate(instances):
            groups.setdefault(instance.tags.get(MODEL_TAG) or PRODUCTION, []).append(i)
        results: list[dict[str, Any]] = [{} for _ in instances]
        now = self._clock.now()
        catalogs = {region: self._catalogs.catalog(region) for region in {i.region for i in instances}}
        for model_id, members in groups.items():
            requests = [(i, risk_input(catalogs[instances[i].region], instances[i].zone, instances[i].instance_type,
                                       now)) for i in members]
            batch = [r for _, r in requests if r is not None]
            try:
                model = self._production if model_id == PRODUCTION else self._model(model_id)
                outputs = iter(model.predict(batch)) if batch else iter(())
            except Exception as exc:  # the routed model only: another model never stands in
                LOG.warning("model %s could not score %d instance(s): %s", model_id, len(members), exc)
                for i in members:
                    results[i] = {"instance_id": instances[i].instance_id, "model_id": model_id,
                                  "error": f"{type(exc).__name__}: {exc}"}
                continue
            for i, request in requests:
                instance = instances[i]
                if request is None:
                    results[i] = {"instance_id": instance.instance_id, "model_id": model_id,
                                  "error": f"{instance.instance_type} in {instance.zone} is not priced"}
                    continue
                output = next(outputs)
                results[i] = {"instance_id": instance.instance_id, "model_id": model_id,
                              "model_version": model.version, "zone": instance.zone,
                              "instance_type": instance.instance_type,
                              "interruption_probability": output.interruption_probability,
                              "prediction_id": output.prediction_id, "at": now.isoformat(timespec="milliseconds")}
                if model_id != PRODUCTION:
                    self._record(org_id, results[i])
        return results

    def _record(self, org_id: str, result: dict[str, Any]) -> None:
        self._lab.save(f"pred-{uuid.uuid4().hex[:20]}", {
            "kind": "prediction", "status": "recorded", "model_id": result["model_id"], "created_at": result["at"],
            "instance_id": result["instance_id"], "telemetry": {"org_id": org_id, **result},
        })
