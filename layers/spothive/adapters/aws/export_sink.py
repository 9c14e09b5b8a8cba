"""Audit exports in the exports S3 bucket, handed out as short-lived presigned URLs."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from spothive.adapters.aws.clients import RETRIES, Session, endpoint_url
from spothive.domain.audit_views import ExportLocation

#: How long a download link stays valid.
URL_TTL_SECONDS = 15 * 60


class S3ExportSink:
    """``ExportSink`` on S3: server-side encrypted objects, presigned GET valid 15 minutes."""

    def __init__(self, bucket: str, region: str, s3: Any | None = None) -> None:
        self._bucket = bucket
        self._s3 = s3 or Session().client(
            "s3", region_name=region, endpoint_url=endpoint_url(),
            config=RETRIES.merge(Config(signature_version="s3v4")),  # SigV4 URLs (required for SSE-KMS objects)
        )

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation:
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, ServerSideEncryption="AES256",
            ContentDisposition=f'attachment; filename="{key.rsplit("/", 1)[-1]}"',
        )
        url = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=URL_TTL_SECONDS
        )
        return ExportLocation(url=str(url), expires_in=URL_TTL_SECONDS)
