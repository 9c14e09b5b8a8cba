"""The data bucket: cluster snapshots and audit exports."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.buckets import secure_bucket

SNAPSHOT_PREFIX = "snapshots/"
EXPORT_PREFIX = "audit-exports/"
EXPORT_RETENTION_DAYS = 30
#: How long an overwritten snapshot or deleted object can be restored.
NONCURRENT_DAYS = 7


class Storage(Construct):
    """One private, encrypted, TLS-only, versioned bucket with server access logs.

    It holds customer data (cluster snapshots and usage) and audit exports, so it is versioned: an
    overwritten or deleted object can be restored for :data:`NONCURRENT_DAYS` days.
    ``snapshots/<org>/<cluster>/latest.json`` is overwritten on every agent upload, so noncurrent versions
    expire after that window to bound storage; ``audit-exports/`` objects are handed out as presigned links
    and expire after 30 days (the ledger itself stays in DynamoDB).
    """

    def __init__(self, scope: Construct, construct_id: str, *, access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.bucket = secure_bucket(
            self,
            "Data",
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="data/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-audit-exports",
                    prefix=EXPORT_PREFIX,
                    expiration=Duration.days(EXPORT_RETENTION_DAYS),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS),
                    expired_object_delete_marker=True,
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
        )

    def snapshot_objects(self) -> str:
        """ARN of every cluster snapshot object."""
        return self.bucket.arn_for_objects(f"{SNAPSHOT_PREFIX}*")

    def export_objects(self) -> str:
        """ARN of every audit export object."""
        return self.bucket.arn_for_objects(f"{EXPORT_PREFIX}*")
