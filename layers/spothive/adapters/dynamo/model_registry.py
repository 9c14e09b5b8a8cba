"""The risk-model registry on the ``ml-models`` table; every audited change is one transaction with its
audit record (ledger of the ``platform`` tenant). Listing is a Query of ``by_status``, never a Scan."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.model_registry import ModelRecord, ModelStatus

PLATFORM_ORG = "platform"


class ModelsByStatus(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    version = UnicodeAttribute(range_key=True)


class MLModel(Model):
    class Meta:
        table_name = "ml-models"

    model_id = UnicodeAttribute(hash_key=True)
    version = UnicodeAttribute()
    status = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    size = NumberAttribute()
    format = UnicodeAttribute()
    s3_key = UnicodeAttribute(default="")
    uploaded_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    metrics = UnicodeAttribute(default="{}")  # JSON text
    reason = UnicodeAttribute(null=True)
    by_status = ModelsByStatus()


models.register(MLModel, schema.ML_MODELS)


def _item(record: ModelRecord) -> MLModel:
    return MLModel(
        record.model_id, version=record.version, status=record.status.value, sha256=record.sha256,
        size=record.size, format=record.format, s3_key=record.s3_key, uploaded_by=record.uploaded_by,
        created_at=record.created_at, updated_at=record.updated_at,
        metrics=json.dumps(record.metrics, sort_keys=True), reason=record.reason,
    )


def _record(item: MLModel) -> ModelRecord:
    return ModelRecord(
        model_id=item.model_id, version=item.version, status=ModelStatus(item.status), sha256=item.sha256,
        size=int(item.size), format=item.format, s3_key=item.s3_key or "", uploaded_by=item.uploaded_by,
        created_at=item.created_at, updated_at=item.updated_at, metrics=json.loads(item.metrics or "{}"),
        reason=item.reason,
    )


class DynamoModelRegistry:
    """``ModelRegistry`` on DynamoDB with the audit ledger in the same transactions."""

    def __init__(self, audit: AuditStore) -> None:
        self._audit = audit

    def create(self, record: ModelRecord, audit: AuditEntry) -> None:
        def build(txn: TransactWrite) -> None:
            txn.save(_item(record), condition=MLModel.model_id.does_not_exist())

        self._audit.write(PLATFORM_ORG, audit, build)

    def get(self, model_id: str) -> ModelRecord | None:
        try:
            return _record(MLModel.get(model_id, consistent_read=True))
        except MLModel.DoesNotExist:
            return None

    def save(self, record: ModelRecord, *, expected: ModelStatus, audit: AuditEntry | None = None) -> None:
        condition = MLModel.status == expected.value
        if audit is not None:
            self._audit.write(PLATFORM_ORG, audit, lambda txn: txn.save(_item(record), condition=condition))
            return
        try:
            _item(record).save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(f"model {record.model_id} changed meanwhile; reload and retry", field="model_id") from exc
            raise

    def swap(self, promote: ModelRecord, retire: Sequence[ModelRecord], audit: AuditEntry) -> None:
        def build(txn: TransactWrite) -> None:
            txn.save(_item(promote), condition=MLModel.status.is_in(ModelStatus.CANDIDATE.value,
                                                                     ModelStatus.RETIRED.value))
            for old in retire:
                txn.save(_item(old), condition=MLModel.status == ModelStatus.PRODUCTION.value)

        self._audit.write(PLATFORM_ORG, audit, build)

    def by_status(self, status: ModelStatus) -> list[ModelRecord]:
        return [_record(item) for item in MLModel.by_status.query(status.value)]
