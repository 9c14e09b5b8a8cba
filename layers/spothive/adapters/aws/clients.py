"""boto3 clients: adaptive retries for throttling, and ``AWS_ENDPOINT_URL`` honoured for moto/LocalStack."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config

#: Adaptive mode adds client-side rate limiting on top of exponential back-off when AWS throttles.
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=5, read_timeout=30)


def endpoint_url() -> str | None:
    """The emulator endpoint when one is configured (boto3 reads the same variable natively)."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


def client(
    service: str, region: str, session: boto3.Session | None = None, config: Config = RETRIES,
    endpoint: str | None = None, **kwargs: Any,
) -> Any:
    """A client for ``service`` in ``region`` with SpotHive's retry policy (or ``config``), from a session of
    its own (never boto3's process-wide default), at ``endpoint`` or the configured emulator."""
    factory = session or boto3.session.Session()
    return factory.client(service, region_name=region, config=config, endpoint_url=endpoint or endpoint_url(),
                          **kwargs)


def dependency_failed(action: str, exc: Any) -> Any:
    """``DependencyFailed`` naming ``action`` and the AWS error code and message of a ``ClientError``."""
    from spothive.domain.errors import DependencyFailed

    error = exc.response.get("Error", {})
    return DependencyFailed(f"{action} failed: {error.get('Code')}: {error.get('Message')}")


def assumed_session(sts: Any, role_arn: str, external_id: str, session_name: str) -> boto3.Session:
    """A 15-minute session in the customer role (with its External ID when one is set)."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": 900}
    if external_id:
        kwargs["ExternalId"] = external_id
    try:
        creds = sts.assume_role(**kwargs)["Credentials"]
    except ClientError as exc:
        raise dependency_failed(f"assuming {role_arn}", exc) from exc
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])
