"""Given the CLI, ``spothive openapi`` prints the document and ``spothive local`` starts, demos and stops."""

from __future__ import annotations

import json
import os
import signal
import sys
import types
import urllib.request

import pytest

from spothive.cli import main

pytestmark = pytest.mark.integration


def test_openapi_prints_the_document(capsys):
    assert main(["openapi"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["openapi"].startswith("3.")
    assert "/api/health" in document["paths"]


def test_openapi_writes_a_file(tmp_path):
    out = tmp_path / "openapi.json"

    assert main(["openapi", "--out", str(out)]) == 0

    assert json.loads(out.read_text())["info"]["title"] == "SpotHive API"


def test_local_runs_the_demo_against_a_live_stack_and_exits(tmp_path, monkeypatch, capsys):
    seen = {}

    def run(stack):
        with urllib.request.urlopen(f"{stack.api_url}/api/health", timeout=5) as response:
            seen["health"] = (response.status, json.load(response))
        seen["endpoint"] = os.environ["AWS_ENDPOINT_URL"]
        seen["redis"] = stack.redis.kind

    monkeypatch.setitem(sys.modules, "spothive.local.demo", types.SimpleNamespace(run=run))
    handler_before = signal.getsignal(signal.SIGINT)

    code = main(["local", "--api-port", "0", "--moto-port", "0", "--redis-port", "0",
                 "--data-dir", str(tmp_path), "--no-ticker", "--exit-after-demo"])

    assert code == 0
    assert seen["health"] == (200, {"status": "ok"})
    assert seen["endpoint"].startswith("http://127.0.0.1:")
    assert "SpotHive local stack ready" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_local_no_demo_skips_the_demo(tmp_path, monkeypatch):
    called = []
    monkeypatch.setitem(sys.modules, "spothive.local.demo", types.SimpleNamespace(run=called.append))

    code = main(["local", "--api-port", "0", "--moto-port", "0", "--redis-port", "0",
                 "--data-dir", str(tmp_path), "--no-ticker", "--no-demo", "--exit-after-demo"])

    assert code == 0
    assert called == []


def test_flags_win_over_environment_which_wins_over_defaults(monkeypatch, tmp_path):
    from spothive.local.runtime import LocalConfig

    monkeypatch.setenv("SPOTHIVE_LOCAL_API_PORT", "18000")
    monkeypatch.setenv("SPOTHIVE_LOCAL_REDIS_PORT", "16379")
    monkeypatch.setenv("SPOTHIVE_LOCAL_DATA_DIR", str(tmp_path))

    config = LocalConfig.from_env(api_port=9000, moto_port=None)

    assert (config.api_port, config.moto_port, config.redis_port) == (9000, 5000, 16379)
    assert config.data_dir == tmp_path
