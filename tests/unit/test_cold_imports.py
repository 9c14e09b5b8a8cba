"""Each function imports only the code it calls: a worker's cold start never loads the identity stack, the
solver or the model runtime it does not use, and the adapters never import each other in a cycle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from spothive import topology

ROOT = Path(__file__).resolve().parents[2]

#: Module families a function must not load unless it calls them.
IDENTITY = ("spothive.adapters.aws.cognito", "spothive.adapters.aws.jwt_verifier", "jwt")
SOLVER = ("highspy", "spothive.adapters.solver")
MODEL = ("lightgbm", "scipy", "spothive_models")
API = ("fastapi", "mangum", "starlette")

#: function → what its module must never import.
NEVER: dict[str, tuple[str, ...]] = {
    **{spec.name: MODEL for spec in topology.API_FUNCTIONS},
    "worker-prices": IDENTITY + SOLVER + MODEL + API,
    "worker-discovery": IDENTITY + SOLVER + MODEL + API,
    "worker-advisor": IDENTITY + SOLVER + MODEL + API,
    "worker-hibernation": IDENTITY + SOLVER + MODEL + API,
    "worker-spot-events": IDENTITY + SOLVER + MODEL + API,
    "model-endpoint": IDENTITY + SOLVER + API,
    "opt-detect": IDENTITY + MODEL + API,
    "switch-step": IDENTITY + SOLVER + MODEL + API,
}


def _loaded(module: str, families: tuple[str, ...]) -> list[str]:
    code = (
        f"import json, sys, importlib; importlib.import_module({module!r}); "
        f"fams = {families!r}; "
        "print(json.dumps(sorted({f for f in fams for m in sys.modules if m == f or m.startswith(f + '.')})))"
    )
    env_path = ":".join(str(ROOT / p) for p in ("layers", "models", "agent", "."))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(NEVER), ids=str)
def test_a_function_module_imports_nothing_it_never_calls(name: str) -> None:
    # Given the function's handler module, When it is imported in a fresh interpreter
    spec = topology.function(name)
    module = "functions." + spec.handler.split(".")[0]
    # Then none of the module families it never calls is loaded
    assert _loaded(module, NEVER[name]) == []


def test_the_adapters_import_each_other_without_cycles() -> None:
    # Given the import graph of the adapters package
    graph = grimp.build_graph("spothive")
    adapters = {m for m in graph.modules if m.startswith("spothive.adapters.")}
    # Then no adapter module reaches itself through other adapter modules
    cyclic = sorted(
        m for m in adapters
        if any(graph.chain_exists(importer=dep, imported=m)
               for dep in graph.find_modules_directly_imported_by(m) if dep in adapters)
    )
    assert cyclic == []
