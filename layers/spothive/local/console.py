"""The local stack's web front: the built console at ``/`` and the API docs with no CDN.

Swagger UI and ReDoc come from the ``fastapi-offline`` wheel's static files (Swagger UI 5, which reads the
OpenAPI 3.1 document FastAPI writes), so ``/api/docs`` works with no internet. The console is the Vite build
in ``web/dist`` (``make web``); a path that is not a file there gets ``index.html`` (client-side routes).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/api/docs/assets"

#: Sent with every console file: no framing, no MIME sniffing, scripts and styles only from this origin.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SpotHive</title></head>
<body style="font-family: system-ui; max-width: 40rem; margin: 4rem auto">
<h1>SpotHive</h1><p>The console is not built. Run <code>make web</code> (Node 20+) and reload.</p>
<p>The API and its docs are here: <a href="/api/docs">/api/docs</a>.</p></body></html>"""


def docs_assets_dir() -> Path:
    """Where the Swagger UI and ReDoc bundles of ``fastapi-offline`` are installed."""
    return Path(str(files("fastapi_offline") / "static"))


def find_console_dist(start: Path | None = None) -> Path | None:
    """``SPOTHIVE_CONSOLE_DIR``, else the first ``web/dist`` with an ``index.html`` from ``start`` upwards."""
    configured = os.environ.get("SPOTHIVE_CONSOLE_DIR", "").strip()
    if configured:
        path = Path(configured)
        return path if (path / "index.html").is_file() else None
    here = (start or Path.cwd()).resolve()
    for root in (here, *here.parents):
        candidate = root / "web" / "dist"
        if (candidate / "index.html").is_file():
            return candidate
    return None


def runtime_config() -> dict[str, str]:
    """What the console reads from ``/config.json``: the API is this origin; the Cognito ids of this stack."""
    return {
        "apiUrl": "",
        "region": os.environ.get("SPOTHIVE_REGION", "us-east-1"),
        "userPoolId": os.environ.get("SPOTHIVE_COGNITO_USER_POOL_ID", ""),
        "userPoolClientId": os.environ.get("SPOTHIVE_COGNITO_CLIENT_ID", ""),
    }


def install_offline_docs(app: FastAPI) -> None:
    """Replace the CDN-backed ``/api/docs`` with one served from local assets; add ``/api/redoc``."""
    openapi_url = app.openapi_url or "/api/openapi.json"
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in ("/api/docs", "/redoc")]
    app.mount(DOCS_ASSETS, StaticFiles(directory=docs_assets_dir()), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )

    @app.get("/api/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} reference",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


def install_console(app: FastAPI, dist: Path | None) -> None:
    """Serve ``/config.json`` and the console build (or a page saying how to build it) outside ``/api``."""

    @app.get("/config.json", include_in_schema=False)
    def config() -> JSONResponse:
        return JSONResponse(runtime_config(), headers={"Cache-Control": "no-store"})

    root = dist.resolve() if dist else None

    @app.get("/{path:path}", include_in_schema=False)
    def console(path: str) -> Any:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status_code=404, detail=f"no route /{path}")
        if root is None:
            return HTMLResponse(NOT_BUILT, headers=SECURITY_HEADERS)
        target = (root / path).resolve() if path else root / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            target = root / "index.html"  # a client-side route
        cache = "public, max-age=31536000, immutable" if "/assets/" in target.as_posix() else "no-cache"
        return FileResponse(target, headers={**SECURITY_HEADERS, "Cache-Control": cache})


def with_console(app: FastAPI, dist: Path | None = None) -> FastAPI:
    """The API plus offline docs and the console, as the local stack serves it."""
    install_offline_docs(app)
    install_console(app, dist if dist is not None else find_console_dist())
    return app
