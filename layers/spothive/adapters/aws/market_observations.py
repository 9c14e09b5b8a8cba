"""``MarketObservations`` in S3: ``market/<kind>/<YYYY-MM-DD>/<HHMMSS>.jsonl``, written once, never replaced."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from spothive.adapters.aws.clients import client

PREFIX = "market/"


class S3MarketObservations:
    """One JSON-lines object per kind and ingest; ``If-None-Match: *`` makes a replay fail, not overwrite."""

    def __init__(self, bucket: str, region: str) -> None:
        self._bucket = bucket
        self._s3: Any = client("s3", region)

    def record(self, kind: str, observed_at: datetime, rows: Sequence[Mapping[str, Any]]) -> str:
        at = observed_at.astimezone(UTC)
        key = f"{PREFIX}{kind}/{at.date().isoformat()}/{at.strftime('%H%M%S')}.jsonl"
        body = "".join(json.dumps({"feature_date": at.isoformat(), **row}, sort_keys=True, default=str) + "\n"
                       for row in rows)
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body.encode(), ContentType="application/x-ndjson",
                            ServerSideEncryption="AES256", IfNoneMatch="*")
        return key
