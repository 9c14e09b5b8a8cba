"""``interruption-rates``: one dated item per changed pool (``pool = region#os#type``) and one state item
per region (``pool = STATE#{region}``, ``observed_at = latest``) holding the last rates as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema
from spothive.domain.advisor_feed import Rate, RateChange

STATE_PREFIX = "STATE#"
LATEST = "latest"


class InterruptionRateModel(Model):
    class Meta:
        table_name = "interruption-rates"

    pool = UnicodeAttribute(hash_key=True)
    observed_at = UnicodeAttribute(range_key=True)
    bucket = NumberAttribute(null=True)
    savings = NumberAttribute(null=True)
    previous_bucket = NumberAttribute(null=True)
    rates = UnicodeAttribute(null=True)  # state items: JSON {"os#type": [bucket, savings]}
    since = UnicodeAttribute(null=True)  # state items: when the state was stored (ISO, seconds)


models.register(InterruptionRateModel, schema.INTERRUPTION_RATES)


class DynamoInterruptionRates:
    """``InterruptionRates`` on DynamoDB (GetItem, batch writes and Queries only)."""

    def state(self, region: str) -> dict[str, Rate]:
        item = _state_item(region)
        if item is None:
            return {}
        return {k: (int(v[0]), int(v[1])) for k, v in json.loads(item.rates or "{}").items()}

    def since(self, region: str) -> datetime | None:
        item = _state_item(region)
        return datetime.fromisoformat(item.since) if item is not None and item.since else None

    def record(self, region: str, changes: Sequence[RateChange], state: Mapping[str, Rate], observed_at: datetime) -> None:
        stamp = observed_at.isoformat(timespec="seconds")
        with InterruptionRateModel.batch_write() as batch:
            for change in changes:
                batch.save(InterruptionRateModel(
                    change.pool, stamp, bucket=change.after[0], savings=change.after[1],
                    previous_bucket=change.before[0] if change.before else None,
                ))
        InterruptionRateModel(STATE_PREFIX + region, LATEST, rates=json.dumps(
            {k: list(v) for k, v in sorted(state.items())}, separators=(",", ":")), since=stamp).save()

    def history(self, pool: str) -> list[tuple[datetime, Rate]]:
        return [(datetime.fromisoformat(i.observed_at), (int(i.bucket), int(i.savings)))
                for i in InterruptionRateModel.query(pool)]


def _state_item(region: str) -> InterruptionRateModel | None:
    try:
        return InterruptionRateModel.get(STATE_PREFIX + region, LATEST, consistent_read=True)
    except InterruptionRateModel.DoesNotExist:
        return None
