"""``CalibrationStore`` in the model bucket under ``calibration/``: keyed GET/PUT only, never a listing.

| key | content |
|---|---|
| ``transitions/<YYYY-MM-DD>/<HHMMSS>.json`` | one ingest's previous and new rates (written once) |
| ``<model_version>/calibration.json`` | the model version's calibration document (the served map) |
| ``<model_version>/records/<NNNN>.json`` | each document as written, numbered by its record count (written once) |
| ``<model_version>/MODEL_CARD.md`` | the model card with its Recalibrations table |
| ``latest.json`` | ``{"model_version"}`` recalibrated last |
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client

PREFIX = "calibration/"


class S3CalibrationStore:
    """The calibration documents and model cards beside the models (SSE, private bucket)."""

    def __init__(self, bucket: str, region: str) -> None:
        self._bucket = bucket
        self._s3: Any = client("s3", region)

    def _put(self, key: str, body: bytes, content_type: str, *, once: bool = False) -> None:
        extra = {"IfNoneMatch": "*"} if once else {}
        self._s3.put_object(Bucket=self._bucket, Key=PREFIX + key, Body=body, ContentType=content_type,
                            ServerSideEncryption="AES256", **extra)

    def _get(self, key: str) -> bytes | None:
        try:
            return bytes(self._s3.get_object(Bucket=self._bucket, Key=PREFIX + key)["Body"].read())
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise

    def put_transition(self, key: str, transition: Mapping[str, Any]) -> None:
        self._put(key, json.dumps(transition, sort_keys=True).encode(), "application/json", once=True)

    def transition(self, key: str) -> dict[str, Any]:
        body = self._get(key)
        if body is None:
            raise KeyError(f"no transition {key}")
        return dict(json.loads(body))

    def document(self, model_version: str) -> dict[str, Any] | None:
        body = self._get(f"{model_version}/calibration.json")
        return None if body is None else dict(json.loads(body))

    def save(self, document: Mapping[str, Any], card: str) -> None:
        version = str(document["model_version"])
        body = json.dumps(document, sort_keys=True).encode()
        self._put(f"{version}/records/{len(document['records']):04d}.json", body, "application/json", once=True)
        self._put(f"{version}/calibration.json", body, "application/json")
        self._put(f"{version}/MODEL_CARD.md", card.encode(), "text/markdown")
        self._put("latest.json", json.dumps({"model_version": version}).encode(), "application/json")

    def card(self, model_version: str) -> str | None:
        body = self._get(f"{model_version}/MODEL_CARD.md")
        return None if body is None else body.decode()

    def latest_model_version(self) -> str | None:
        body = self._get("latest.json")
        return None if body is None else str(json.loads(body)["model_version"])
