"""One error body for every failure: ``{"error": {"code", "message", "field", "request_id"}}``.

Every response carries ``X-Request-Id`` (API Gateway's request id on AWS, else a sane incoming
``X-Request-Id``, else a new one) and every error body repeats it, so a user's report leads to the log line.
Nothing escapes as Starlette's plain-text 500: domain errors map to their status, validation errors to
422 naming the field, a store that is down (Redis, DynamoDB throttling or 5xx) to 503 with Retry-After,
and anything else to a JSON 500 whose details stay in the log.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spothive.domain.errors import RateLimited, ServiceUnavailable, SpotHiveError, error_body

logger = logging.getLogger("spothive.api")

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
#: Seconds a client is asked to wait when a store the request needs is down or throttling.
UNAVAILABLE_RETRY_AFTER = 5
#: Error codes AWS uses for throttling; each means "try again later", never a fault of the request.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "LimitExceededException", "TransactionInProgressException", "InternalServerError", "InternalFailure",
    "ServiceUnavailable", "ServiceUnavailableException",
})


class ErrorDetail(BaseModel):
    """What went wrong, machine- and human-readable."""

    code: str = Field(description="machine-readable: invalid_input, unauthorized, forbidden, not_found, conflict, "
                                  "rate_limited, service_unavailable, internal_error, …")
    message: str = Field(description="for people")
    field: str | None = Field(description="the request field at fault (body, a body path like nodes.3.name, "
                                          "a query or path parameter), or null")
    request_id: str = Field(description="the X-Request-Id of this response; quote it when reporting a problem")


class ErrorBody(BaseModel):
    """The body of every non-2xx response."""

    error: ErrorDetail


def request_id_of(request: Request) -> str:
    """The id :class:`RequestIdMiddleware` gave this request."""
    return str(request.scope.get("state", {}).get("request_id") or "")


def _respond(request: Request, status: int, code: str, message: str, field: str | None = None,
             headers: dict[str, str] | None = None) -> JSONResponse:
    rid = request_id_of(request)
    return JSONResponse(error_body(code, message, field, rid), status_code=status,
                        headers={**(headers or {}), REQUEST_ID_HEADER: rid})


def _field_of(loc: tuple[object, ...] | list[object]) -> str:
    """``("body", "email")`` → ``email``; ``("query", "limit")`` → ``limit``; nested → ``a.b.0``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def _validation_field_and_message(error: dict[str, Any]) -> tuple[str, str]:
    if error.get("type") == "json_invalid":  # loc is ("body", <byte offset>): the field is the body itself
        where = next((p for p in error.get("loc", ()) if isinstance(p, int)), None)
        detail = (error.get("ctx") or {}).get("error") or "invalid JSON"
        at = f" at byte {where}" if where is not None else ""
        return "body", f"body: not valid JSON ({detail}{at})"
    field = _field_of(error.get("loc", ("body",)))
    return field, f"{field}: {error.get('msg', 'invalid value')}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what caused it (pynamodb's ``cause``, ``__cause__``, ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        implicit = None if current.__suppress_context__ else current.__context__
        current = getattr(current, "cause", None) or current.__cause__ or implicit


def _redis_error() -> type[BaseException] | None:
    """redis-py's base error once redis-py is loaded: only the Redis client's builder imports it (about
    0.07 s with the ``redis.asyncio`` it drags in), and before that no Redis error can exist."""
    module = sys.modules.get("redis")
    found = getattr(module, "RedisError", None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def dependency_down(exc: BaseException) -> str | None:
    """Which store failed when ``exc`` means "down or throttling, retry later" (``None`` otherwise)."""
    redis_error = _redis_error()
    for link in _chain(exc):
        if isinstance(link, ServiceUnavailable):
            return link.message
        if redis_error is not None and isinstance(link, redis_error):
            return "the cache is unavailable"
        if isinstance(link, botocore.exceptions.ClientError):
            error = link.response.get("Error", {})
            status = int(link.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if error.get("Code") in THROTTLING_CODES or status >= 500:
                return f"an AWS service is throttling or failing ({error.get('Code') or status})"
        if isinstance(link, botocore.exceptions.HTTPClientError | botocore.exceptions.EndpointConnectionError):
            return "an AWS service is unreachable"
    return None


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors, HTTP errors and failures onto the one body shape."""
    app.add_middleware(RequestIdMiddleware)

    @app.exception_handler(SpotHiveError)
    async def _domain(request: Request, exc: SpotHiveError) -> JSONResponse:
        headers: dict[str, str] = {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        elif isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, ServiceUnavailable):
            headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return _respond(request, exc.status, exc.code, exc.message, exc.field, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field, message = _validation_field_and_message(dict(first))
        return _respond(request, 422, "invalid_input", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body": undecodable bytes, a bad form
            return _respond(request, 422, "invalid_input", f"body: not valid ({exc.detail})", "body")
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 415: "unsupported_media_type"}
        return _respond(request, exc.status_code, code.get(exc.status_code, "http_error"), str(exc.detail),
                        headers=dict(getattr(exc, "headers", None) or {}))

    # a Redis error reaches RequestIdMiddleware, which answers with the same failure_response
    for failure in (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        app.add_exception_handler(failure, _failure)


async def _failure(request: Request, exc: Exception) -> JSONResponse:
    """A store that is down is a 503 to retry; any other failure a JSON 500 (details only in the log)."""
    return failure_response(request, exc)


def failure_response(request: Request, exc: BaseException) -> JSONResponse:
    """The 503 or 500 for an exception no handler mapped."""
    rid = request_id_of(request)
    reason = dependency_down(exc)
    if reason is not None:
        logger.warning("request %s: dependency unavailable: %r", rid, exc)
        return _respond(request, 503, "service_unavailable", f"{reason}; retry shortly",
                        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})
    logger.error("request %s failed", rid, exc_info=(type(exc), exc, exc.__traceback__))
    return _respond(request, 500, "internal_error", f"internal error; quote request id {rid}")


class RequestIdMiddleware:
    """Gives each request an id, echoes it in ``X-Request-Id``, and turns an escaped exception into the
    JSON error body (instead of a plain-text 500 and a dropped connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:
                raise
            response = failure_response(Request(scope), exc)
            await response(scope, receive, send_with_id)


def _request_id(scope: Scope) -> str:
    event = scope.get("aws.event") or {}
    aws_id = event.get("requestContext", {}).get("requestId") if isinstance(event, dict) else None
    if isinstance(aws_id, str) and _SANE_ID.match(aws_id):
        return aws_id
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if _SANE_ID.match(text):
                return text
    return uuid.uuid4().hex

