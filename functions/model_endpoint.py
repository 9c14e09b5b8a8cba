"""Lambda handler of the interruption-risk model (MOD-AI-01), contract v1.0.

Body: one ``{"contract_version": "v1.0", "features": {...}}`` → one output object, or
``{"instances": [...]}`` (at most 1,000) → ``{"predictions": [...]}``. Invalid input gets a 422 with the API's one error body,
naming the (first) bad field by its dotted path. The model loads once per container; when it cannot load or
fails, the heuristic answers and says so (``source="heuristic"``, ``reason``).

``{"recalibrate": {"transition": key}}`` (the Advisor worker's asynchronous invoke) recalibrates the served
model on that stored transition; with a model bucket configured every container follows the stored
calibration of the model version it serves.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spothive.contracts.risk_v1 import RiskInput, error_fields
from spothive.domain.errors import error_body
from spothive.observability import API_GATEWAY, lambda_handler
from spothive.ports.risk import RiskModel
from spothive.services.risk_heuristic import FallbackRiskModel, HeuristicRiskModel

LOG = logging.getLogger(__name__)
MAX_BATCH = 1000
_MODEL: RiskModel | None = None


def _load_model() -> RiskModel:
    """The in-process model behind the fallback wrapper; context files from ``SPOTHIVE_RISK_CONTEXT``."""
    try:
        from spothive_models.artifact import DEFAULT_ARTIFACT_DIR
        from spothive_models.datasets import load_source
        from spothive_models.features import RiskContext
        from spothive_models.serving import LightGBMRiskModel

        paths = [p for p in os.environ.get("SPOTHIVE_RISK_CONTEXT", "").split(os.pathsep) if p]
        context = RiskContext.from_sources([load_source(Path(p)) for p in paths]) if paths else None
        directory = Path(os.environ.get("SPOTHIVE_RISK_ARTIFACT", str(DEFAULT_ARTIFACT_DIR)))
        return FallbackRiskModel(LightGBMRiskModel.from_artifact(directory, context))
    except Exception as exc:
        LOG.warning("risk model not loaded, serving the heuristic: %s", exc)
        return FallbackRiskModel(None, HeuristicRiskModel())


def _hot_swappable(model: RiskModel) -> RiskModel:
    """With a cache configured, serve through a holder that swaps on ``models:production`` announcements."""
    if not os.environ.get("SPOTHIVE_REDIS_URL"):
        return model
    try:
        from spothive.wiring import risk

        return risk.hot_swappable(model)
    except Exception as exc:
        LOG.warning("model hot swap unavailable, serving %s: %s", model.version, exc)
        return model


def _following(model: RiskModel) -> RiskModel:
    """With a model bucket configured, keep the model on its version's latest stored calibration."""
    if not os.environ.get("SPOTHIVE_MODEL_BUCKET"):
        return model
    try:
        from spothive.wiring import risk

        return risk.following(model)
    except Exception as exc:
        LOG.warning("stored calibration not followed, serving %s as loaded: %s", model.version, exc)
        return model


def _response(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def _error(event: Any, field: str, message: str) -> dict[str, Any]:
    """A 422 with the API's one error body, naming the field (and the request id, when there is one)."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    request_id = str(context.get("requestId", "")) if isinstance(context, dict) else ""
    return _response(422, error_body("invalid_input", f"{field}: {message}", field, request_id or str(uuid.uuid4())))


def _invalid(event: Any, exc: ValidationError, prefix: str = "") -> dict[str, Any]:
    fields = [prefix + f for f in error_fields(exc)]
    return _error(event, fields[0], "; ".join(f"{prefix}{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                              for e in exc.errors()))


def handle(event: dict[str, Any], model: RiskModel) -> dict[str, Any]:
    """Parse, predict, answer; ``event`` is the request body as a dict or an API Gateway proxy event."""
    body: Any = event
    if isinstance(event, dict) and "body" in event:
        try:
            body = json.loads(event["body"] or "")
        except (TypeError, ValueError):
            return _error(event, "body", "not valid JSON")
    if not isinstance(body, dict):
        return _error(event, "body", "expected a JSON object")
    if "instances" in body:
        instances = body["instances"]
        if not isinstance(instances, list) or not 1 <= len(instances) <= MAX_BATCH:
            return _error(event, "instances", f"must be a list of 1 to {MAX_BATCH} inputs")
        batch = []
        for index, item in enumerate(instances):
            try:
                batch.append(RiskInput.model_validate(item))
            except ValidationError as exc:
                return _invalid(event, exc, prefix=f"instances.{index}.")
        outputs = model.predict(batch)
        return _response(200, {"predictions": [o.model_dump(mode="json") for o in outputs]})
    try:
        single = RiskInput.model_validate(body)
    except ValidationError as exc:
        return _invalid(event, exc)
    return _response(200, model.predict([single])[0].model_dump(mode="json"))


@lambda_handler(API_GATEWAY, component=("MOD-AI-01", "PREDICT-RISK"))
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point."""
    global _MODEL
    if _MODEL is None:
        _MODEL = _following(_hot_swappable(_load_model()))
    job = event.get("recalibrate") if isinstance(event, dict) else None
    if isinstance(job, dict) and isinstance(job.get("transition"), str):
        from spothive.wiring import risk

        return risk.recalibrate_served(job["transition"], _MODEL)
    return handle(event, _MODEL)
