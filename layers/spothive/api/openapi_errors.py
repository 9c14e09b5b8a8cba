"""Document every error status each operation can answer, with the one error body, in the OpenAPI document.

The statuses follow from what the route is, read from its dependencies and parameters, so a new route is
documented without a list to keep up to date:

| status | when |
|---|---|
| 401 | the route takes a bearer token (a user's ID token, or an agent's cluster token) |
| 403 | the route needs the super-admin role |
| 404 | the route names a resource: a path parameter, or a query/body field ending in ``id`` |
| 409 | the route changes state (POST, PUT, PATCH, DELETE): duplicates and stale versions |
| 422 | the route takes any input (validation names the field; malformed JSON names ``body``) |
| 424 | the route reaches into a customer's AWS account (``role_arn``) and AWS refused |
| 429 | the route is rate-limited (every route with a user's token, and sign-up / sign-in by client address) |
| 503 | the route uses a store (Redis, DynamoDB) that is down or throttling; retry after ``Retry-After`` |

The property-based API tests fail on any status not documented here, which keeps this honest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from spothive.api.errors import ErrorBody

_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorBody"}
_DESCRIPTIONS = {
    "401": "No valid token (missing, expired, revoked or forged). `WWW-Authenticate: Bearer`.",
    "403": "The token is valid but lacks the role this operation needs.",
    "404": "Absent, or owned by another organisation (the two are indistinguishable).",
    "409": "The change clashes with the stored state: a duplicate, or a stale version "
           "(`expected_version` / `If-Match` not the current one).",
    "422": "Invalid input; `field` names it (`body` when the body is not valid JSON). Nothing was changed.",
    "424": "A customer AWS account refused (e.g. AssumeRole denied); `field` names the input to fix.",
    "429": "Rate limited (moving window per caller: sign-up 5/hour, token 10/minute, the rest 100/minute). "
           "`Retry-After` says when to retry.",
    "503": "A store SpotHive needs is down or throttling; nothing was changed. Retry after `Retry-After`.",
}
#: Dependencies that count the request against a rate limit (per user, or per client address).
_RATE_LIMITED = frozenset({"current_principal", "client_rate_limit", "agent_cluster"})
_ADMIN = "admin_principal"
_MUTATING = {"post", "put", "patch", "delete"}


def _calls(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield getattr(sub.call, "__name__", type(sub.call).__name__)
        yield from _calls(sub)


def _names_a_resource(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    params = operation.get("parameters", [])
    if any(p.get("in") == "path" or (p.get("in") == "query" and p["name"].endswith("id")) for p in params):
        return True
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        body = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
        if any(name.endswith("id") or name == "role_arn" for name in body.get("properties", {})):
            return True
    return False


def _takes_input(operation: dict[str, Any]) -> bool:
    return bool(operation.get("parameters")) or "requestBody" in operation


def _reaches_customer_account(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref and "role_arn" in schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
            return True
    return False


def _api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every ``APIRoute``, through included routers (FastAPI keeps those as lazy contexts)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included-router contexts: the routes are flat
        yield from (route for route in app.routes if isinstance(route, APIRoute))
        return
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if isinstance(original, APIRoute):
            yield _Located(original, context.path_format or original.path_format)


class _Located(APIRoute):
    """An ``APIRoute`` seen at the path its including router gives it (only what this module reads)."""

    def __init__(self, route: APIRoute, path_format: str) -> None:
        self.__dict__.update(route.__dict__)
        self.path_format = path_format


def error_statuses(route: APIRoute, method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    """The error statuses ``route`` can answer for ``method`` (see the module's table)."""
    calls = set(_calls(route.dependant))
    statuses: set[str] = {"503"}
    secured = bool(operation.get("security"))
    if secured:
        statuses.add("401")
    if calls & _RATE_LIMITED:
        statuses.add("429")
    if _ADMIN in calls:
        statuses.add("403")
    if _names_a_resource(operation, schemas):
        statuses.add("404")
    if method in _MUTATING:
        statuses.add("409")
    if _takes_input(operation):
        statuses.add("422")
    if _reaches_customer_account(operation, schemas):
        statuses.add("424")
    return sorted(statuses)


def document_errors(app: FastAPI, *, skip: frozenset[str] = frozenset({"/api/health"})) -> None:
    """Make ``app.openapi()`` list every error status of every operation with :class:`ErrorBody`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, description=app.description,
                               routes=app.routes, openapi_version=app.openapi_version)
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.update(ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}))
        schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        routes = {(route.path_format, method.lower()): route for route in _api_routes(app)
                  for method in route.methods}
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if method not in _MUTATING | {"get", "head", "options"}:
                    continue
                route = routes.get((path, method))
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                if route is None or path in skip:
                    continue
                for status in error_statuses(route, method, operation, schemas):
                    responses[status] = {"description": _DESCRIPTIONS[status],
                                         "content": {"application/json": {"schema": _SCHEMA_REF}}}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
