"""The API functions never load lightgbm (or scipy through it): their cold start stays small."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spothive import topology

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", topology.API_FUNCTIONS, ids=lambda s: s.name)
def test_api_function_imports_no_ml_stack(spec: topology.FunctionSpec) -> None:
    module = "functions." + spec.handler.split(".")[0]
    code = (
        f"import json, sys, importlib; importlib.import_module({module!r}); "
        "print(json.dumps(sorted(m for m in ('lightgbm', 'scipy', 'spothive_models') if m in sys.modules)))"
    )
    env_path = ":".join(str(ROOT / p) for p in ("layers", "models", "agent", "."))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "SPOTHIVE_REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
