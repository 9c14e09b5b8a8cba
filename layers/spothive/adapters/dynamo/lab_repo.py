"""Live-switch and other lab experiments on the ``lab-experiments`` table (telemetry as JSON text).

``org_id`` names the tenant an experiment acts on (absent on platform-only records): a tenant's users may
read and follow their own org's experiments.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema
from spothive.domain.errors import Conflict

_CONDITION_FAILED = "ConditionalCheckFailedException"


class ExperimentsByModel(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_model"
        projection = AllProjection()

    model_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class LabExperimentModel(Model):
    class Meta:
        table_name = "lab-experiments"

    experiment_id = UnicodeAttribute(hash_key=True)
    model_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    instance_id = UnicodeAttribute(null=True)
    spot_instance_id = UnicodeAttribute(null=True)
    org_id = UnicodeAttribute(null=True)
    telemetry = UnicodeAttribute(default="{}")
    by_model = ExperimentsByModel()


models.register(LabExperimentModel, schema.LAB_EXPERIMENTS)


class DynamoLabRepo:
    """``LabRepo`` on DynamoDB."""

    def save(self, experiment_id: str, item: Mapping[str, Any], *, expect_status: str | None = None) -> None:
        record = LabExperimentModel(
            experiment_id, model_id=str(item.get("model_id") or "none"), created_at=str(item["created_at"]),
            kind=str(item.get("kind", "live-switch")), status=str(item["status"]),
            instance_id=item.get("instance_id"), spot_instance_id=item.get("spot_instance_id"),
            org_id=item.get("org_id") or None,
            telemetry=json.dumps(item.get("telemetry", {}), sort_keys=True, default=str),
        )
        if expect_status is None:
            record.save()
            return
        try:
            record.save(condition=LabExperimentModel.status == expect_status)
        except PutError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise
            raise Conflict(f"experiment {experiment_id} is no longer {expect_status}", field="status") from exc

    def get(self, experiment_id: str) -> dict[str, Any] | None:
        try:
            item = LabExperimentModel.get(experiment_id, consistent_read=True)
        except LabExperimentModel.DoesNotExist:
            return None
        return _record(item)

    def by_model(self, model_id: str, since: str) -> list[dict[str, Any]]:
        return [_record(item) for item in LabExperimentModel.by_model.query(
            model_id, LabExperimentModel.created_at >= since)]


def _record(item: LabExperimentModel) -> dict[str, Any]:
    return {"experiment_id": item.experiment_id, "model_id": item.model_id, "created_at": item.created_at,
            "kind": item.kind, "status": item.status, "instance_id": item.instance_id,
            "spot_instance_id": item.spot_instance_id, "org_id": item.org_id, "telemetry": json.loads(item.telemetry or "{}")}
