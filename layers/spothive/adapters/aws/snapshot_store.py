"""Latest-per-cluster JSON documents in S3: ``<prefix>/<org>/<cluster>/latest.json``.

Snapshots use the ``snapshots`` prefix, agent usage samples ``usage``."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client


class S3SnapshotStore:
    """``SnapshotStore`` in the data bucket (server-side encrypted, one object per cluster)."""

    def __init__(self, bucket: str, region: str, prefix: str = "snapshots") -> None:
        self._bucket = bucket
        self._prefix = prefix
        self._s3: Any = client("s3", region)

    def _key(self, org_id: str, cluster_id: str) -> str:
        return f"{self._prefix}/{org_id}/{cluster_id}/latest.json"

    def save(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=self._key(org_id, cluster_id), Body=json.dumps(snapshot).encode("utf-8"),
            ContentType="application/json", ServerSideEncryption="AES256",
        )

    def latest(self, org_id: str, cluster_id: str) -> dict[str, Any] | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self._key(org_id, cluster_id))["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        document: dict[str, Any] = json.loads(body)
        return document
