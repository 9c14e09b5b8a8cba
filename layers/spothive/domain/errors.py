"""Errors the domain and services raise; the API maps each to one HTTP status and one body shape."""

from __future__ import annotations

from typing import Any


class SpotHiveError(Exception):
    """Base class: ``code`` is machine-readable, the message is for people."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(SpotHiveError):
    """The request names a value that is wrong; ``field`` says which."""

    status = 422
    code = "invalid_input"


class Unauthorized(SpotHiveError):
    """No valid credentials (missing, expired, revoked or forged token)."""

    status = 401
    code = "unauthorized"


class Forbidden(SpotHiveError):
    """Valid credentials without the role the operation needs."""

    status = 403
    code = "forbidden"


class NotFound(SpotHiveError):
    """Absent, or owned by another tenant (the two are indistinguishable by design)."""

    status = 404
    code = "not_found"


class Conflict(SpotHiveError):
    """The change clashes with the stored state (duplicate, stale version, resource in use)."""

    status = 409
    code = "conflict"


class RateLimited(SpotHiveError):
    """The caller exceeded the endpoint's rate limit; ``retry_after`` is in seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DependencyFailed(SpotHiveError):
    """A cloud dependency refused or failed (AssumeRole denied, permission probe failed)."""

    status = 424
    code = "dependency_failed"


class ServiceUnavailable(SpotHiveError):
    """A store the request depends on is down; retrying later may succeed."""

    status = 503
    code = "service_unavailable"


class ConfigurationError(Exception):
    """The process is missing a setting it cannot run without (raised at cold start, never per request)."""


def error_body(code: str, message: str, field: str | None = None, request_id: str = "") -> dict[str, Any]:
    """The JSON body every SpotHive error response carries (the API's and the model endpoint's)."""
    return {"error": {"code": code, "message": message, "field": field, "request_id": request_id}}
