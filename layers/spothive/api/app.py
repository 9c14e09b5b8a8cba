"""The FastAPI application: every route group locally, one group per Lambda function on AWS."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from fastapi import FastAPI

from spothive.api.errors import install_error_handlers
from spothive.api.gzip_body import GzipRequestMiddleware
from spothive.api.openapi_errors import document_errors
from spothive.wiring.registry import Component

#: Route group (a Lambda function name in ``spothive.topology``) → router modules it serves.
ROUTE_GROUPS: dict[str, tuple[str, ...]] = {
    "api-auth": ("spothive.api.routers.auth", "spothive.api.routers.user_settings"),
    "api-connect": ("spothive.api.routers.connect", "spothive.api.routers.connect_stream"),
    "api-clusters": (
        "spothive.api.routers.clusters", "spothive.api.routers.metrics", "spothive.api.routers.agent",
        "spothive.api.routers.activity", "spothive.api.routers.jobs", "spothive.api.routers.instances",
        "spothive.api.routers.safe_mode", "spothive.api.routers.cluster_rightsizing",
    ),
    "api-config": ("spothive.api.routers.templates", "spothive.api.routers.policies",
                   "spothive.api.routers.hibernation"),
    "api-audit": ("spothive.api.routers.audit",),
    "api-admin": ("spothive.api.routers.admin", "spothive.api.routers.lab",
                  "spothive.api.routers.admin_impersonation", "spothive.api.routers.admin_clients",
                  "spothive.api.routers.admin_health", "spothive.api.routers.admin_logs",
                  "spothive.api.routers.lab_stream", "spothive.api.routers.safe_mode_admin",
                  "spothive.api.routers.lab_model_card"),
}


def create_app(groups: Iterable[str] | None = None) -> FastAPI:
    """Build the API with the given route groups (all of them when ``None``)."""
    app = FastAPI(
        title="SpotHive API",
        version="1.0.0",
        description="Cost optimization for EKS and EC2: accounts, clusters, policies, savings, audit.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    install_error_handlers(app)
    app.add_middleware(GzipRequestMiddleware)
    selected = list(ROUTE_GROUPS) if groups is None else list(groups)
    for group in selected:
        for module_name in ROUTE_GROUPS[group]:
            app.include_router(importlib.import_module(module_name).router)

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    document_errors(app)
    return app


def route_components(group: str) -> list[Component[object]]:
    """Every wiring component the routes of ``group`` depend on (directly or through other dependencies),
    in a stable order: what a first request builds."""
    seen: list[Component[object]] = []
    todo = [dep for name in ROUTE_GROUPS[group] for route in importlib.import_module(name).router.routes
            for dep in getattr(getattr(route, "dependant", None), "dependencies", ())]
    while todo:
        dep = todo.pop(0)
        todo.extend(dep.dependencies)
        if isinstance(dep.call, Component) and dep.call not in seen:
            seen.append(dep.call)
    return seen
