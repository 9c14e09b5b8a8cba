"""AWS clients: adaptive retries for throttling, and ``AWS_ENDPOINT_URL`` honoured for moto/LocalStack.

Clients come from botocore sessions, not boto3's: boto3's ``Session.client`` is the same botocore call, and
importing boto3 also loads its resource layer and s3transfer (about 0.1 s of every cold start, a fifth of a
worker's budget) that SpotHive never uses. Anything with boto3's ``client(service_name, region_name=…)``
signature, a ``boto3.Session`` included, is accepted wherever a session is.
"""

from __future__ import annotations

import os
from typing import Any

import botocore.session
from botocore.config import Config

#: Adaptive mode adds client-side rate limiting on top of exponential back-off when AWS throttles.
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=5, read_timeout=30)


def endpoint_url() -> str | None:
    """The emulator endpoint when one is configured (boto3 reads the same variable natively)."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


class Session:
    """A botocore session with boto3's ``client`` signature; explicit credentials (an assumed role's) or the
    default chain (environment, profile, the Lambda role)."""

    def __init__(self, aws_access_key_id: str | None = None, aws_secret_access_key: str | None = None,
                 aws_session_token: str | None = None) -> None:
        self._core = botocore.session.Session()
        if aws_access_key_id and aws_secret_access_key:
            self._core.set_credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)

    def client(self, service_name: str, region_name: str | None = None, config: Config | None = None,
               endpoint_url: str | None = None, **kwargs: Any) -> Any:
        """A client of ``service_name`` (``AWS_ENDPOINT_URL`` applies when no ``endpoint_url`` is given)."""
        return self._core.create_client(service_name, region_name=region_name, config=config,
                                        endpoint_url=endpoint_url, **kwargs)


def client(
    service: str, region: str, session: Any | None = None, config: Config = RETRIES,
    endpoint: str | None = None, **kwargs: Any,
) -> Any:
    """A client for ``service`` in ``region`` with SpotHive's retry policy (or ``config``), from a session of
    its own (never a process-wide default), at ``endpoint`` or the configured emulator."""
    factory = session or Session()
    return factory.client(service, region_name=region, config=config, endpoint_url=endpoint or endpoint_url(),
                          **kwargs)


def dependency_failed(action: str, exc: Any) -> Any:
    """``DependencyFailed`` naming ``action`` and the AWS error code and message of a ``ClientError``."""
    from spothive.domain.errors import DependencyFailed

    error = exc.response.get("Error", {})
    return DependencyFailed(f"{action} failed: {error.get('Code')}: {error.get('Message')}")


def assumed_session(sts: Any, role_arn: str, external_id: str, session_name: str) -> Session:
    """A 15-minute session in the customer role (with its External ID when one is set)."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": 900}
    if external_id:
        kwargs["ExternalId"] = external_id
    try:
        creds = sts.assume_role(**kwargs)["Credentials"]
    except ClientError as exc:
        raise dependency_failed(f"assuming {role_arn}", exc) from exc
    return Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                   aws_session_token=creds["SessionToken"])
