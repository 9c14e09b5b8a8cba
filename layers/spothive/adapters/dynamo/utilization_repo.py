"""``utilization``: one item per instance with its day-by-day CPU histogram (JSON) and newest sample time."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema
from spothive.domain.utilization import UtilizationHistogram


class UtilizationModel(Model):
    class Meta:
        table_name = "utilization"

    org_id = UnicodeAttribute(hash_key=True)
    instance_key = UnicodeAttribute(range_key=True)
    days = UnicodeAttribute()  # {"YYYY-MM-DD": [20 counts]}
    through = UTCDateTimeAttribute(null=True)
    samples = NumberAttribute(default=0)


models.register(UtilizationModel, schema.UTILIZATION)


class DynamoUtilizationRepo:
    """``UtilizationRepo``: BatchGetItem to read, batch writes to store; never a Scan."""

    def get_many(self, org_id: str, instance_keys: Sequence[str]) -> dict[str, UtilizationHistogram]:
        keys = [(org_id, k) for k in dict.fromkeys(instance_keys)]
        return {item.instance_key: _histogram(item) for item in UtilizationModel.batch_get(keys)} if keys else {}

    def save_many(self, org_id: str, histograms: Mapping[str, UtilizationHistogram]) -> None:
        with UtilizationModel.batch_write() as batch:
            for key, h in histograms.items():
                batch.save(UtilizationModel(org_id, key, days=json.dumps({d: list(c) for d, c in h.days.items()}),
                                            through=h.through, samples=h.samples))


def _histogram(item: UtilizationModel) -> UtilizationHistogram:
    days = {d: tuple(int(v) for v in c) for d, c in json.loads(item.days).items()}
    return UtilizationHistogram(days, item.through)
