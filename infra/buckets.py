"""The settings every SpotHive bucket shares."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


def secure_bucket(scope: Construct, construct_id: str, *, versioned: bool = True, **kwargs: object) -> s3.Bucket:
    """S3-managed encryption, all public access blocked, TLS only, retained on stack deletion."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=versioned,
        removal_policy=RemovalPolicy.RETAIN,
        **kwargs,  # type: ignore[arg-type]
    )
