"""Model bytes in S3 (``SPOTHIVE_MODEL_BUCKET``), written with their SHA-256 as a checksum and metadata."""

from __future__ import annotations

import base64
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client


class S3ModelStore:
    """``ModelStore`` on one bucket (server-side encrypted, private)."""

    def __init__(self, bucket: str, region: str) -> None:
        self._bucket = bucket
        self._s3: Any = client("s3", region)

    def put(self, key: str, data: bytes, sha256: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=data, ContentType="text/plain",
            ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
            Metadata={"sha256": sha256}, ServerSideEncryption="AES256",
        )

    def get(self, key: str) -> bytes:
        return bytes(self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read())

    def delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
