"""Given the local stack's web front: offline API docs, the console build with its routes, runtime config."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from spothive.api.errors import install_error_handlers
from spothive.local.console import find_console_dist, with_console


def _app(dist: Path | None) -> TestClient:
    app = FastAPI(docs_url="/api/docs", openapi_url="/api/openapi.json")
    install_error_handlers(app)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return TestClient(with_console(app, dist))


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>", encoding="utf-8")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("nope", encoding="utf-8")
    return tmp_path


def test_api_docs_load_swagger_ui_from_this_server_not_a_cdn(dist):
    client = _app(dist)
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/docs/assets/swagger-ui-bundle.js" in page.text and "/api/openapi.json" in page.text
    assert "cdn." not in page.text and "https://" not in page.text.split("<body>")[0]
    bundle = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 500_000  # Swagger UI 5, OpenAPI 3.1 capable
    assert client.get("/api/docs/assets/swagger-ui.css").status_code == 200
    redoc = client.get("/api/redoc")
    assert "/api/docs/assets/redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text


def test_console_routes_answer_the_app_and_assets_are_immutable(dist):
    client = _app(dist)
    for path in ("/", "/dashboard", "/audit?cluster=c-1"):
        response = client.get(path)
        assert response.status_code == 200 and 'id=root' in response.text, path
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/index-abc123.js")
    assert asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]


def test_paths_outside_the_build_never_leave_it(dist):
    client = _app(dist)
    response = client.get("/..%2Fsecret.txt")
    assert response.status_code == 200 and "nope" not in response.text


def test_unknown_api_paths_stay_json_404s_and_the_api_still_answers(dist):
    client = _app(dist)
    missing = client.get("/api/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"]
    assert client.get("/api/health").json() == {"status": "ok"}


def test_runtime_config_carries_this_stacks_cognito_ids(dist, monkeypatch):
    monkeypatch.setenv("SPOTHIVE_COGNITO_USER_POOL_ID", "us-east-1_abc")
    monkeypatch.setenv("SPOTHIVE_COGNITO_CLIENT_ID", "client-1")
    config = _app(dist).get("/config.json")
    assert config.json() == {"apiUrl": "", "region": "us-east-1", "userPoolId": "us-east-1_abc",
                             "userPoolClientId": "client-1"}
    assert config.headers["cache-control"] == "no-store"


def test_without_a_build_the_root_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SPOTHIVE_CONSOLE_DIR", str(tmp_path / "absent"))
    assert find_console_dist() is None
    page = _app(None).get("/")
    assert page.status_code == 200 and "make web" in page.text


def test_the_build_is_found_from_any_directory_below_the_project(dist, monkeypatch):
    monkeypatch.delenv("SPOTHIVE_CONSOLE_DIR", raising=False)
    project = dist.parent / "project"
    (project / "web").mkdir(parents=True)
    dist.rename(project / "web" / "dist")
    (project / "layers").mkdir()
    assert find_console_dist(project / "layers") == project / "web" / "dist"
