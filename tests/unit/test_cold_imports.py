"""Each function imports only the code it calls: a worker's cold start never loads the identity stack, the
solver or the model runtime it does not use, and the adapters never import each other in a cycle.

The wiring imports an adapter when a component first builds it, so the import alone loads no store client
(a worker's init is the logger and the settings), and what a function loads in all is checked after its
first call's builds (``tests/support/first_call.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from spothive import topology
from tests.support import first_call

ROOT = Path(__file__).resolve().parents[2]

#: Module families a function must not load unless it calls them.
IDENTITY = ("spothive.adapters.aws.cognito", "spothive.adapters.aws.jwt_verifier", "jwt")
SOLVER = ("highspy", "spothive.adapters.solver")
MODEL = ("lightgbm", "scipy", "spothive_models")
API = ("fastapi", "mangum", "starlette")
#: The consolidation planner (the optimization steps and the savings projection use it, nothing else).
PLANNER = ("spothive.domain.decisions", "spothive.domain.packing.planner", "spothive.domain.packing.milp")
#: Store clients: a worker's module import loads none of them (its first call builds what it uses).
STORES = ("redis", "pynamodb", "botocore.client", "spothive.adapters")

#: What a route group's init leaves to its components' builders (SnapStart's prime loads them before the
#: snapshot): the services behind its routes (the routers name them for typing only), and redis-py.
ROUTE_SERVICES = ("redis", "spothive.services.metrics", "spothive.services.workload_sizing",
                  "spothive.services.agents", "spothive.services.cluster_plan", "spothive.domain.packing.milp")

#: function → what its module must never import.
NEVER: dict[str, tuple[str, ...]] = {
    **{spec.name: MODEL + ROUTE_SERVICES for spec in topology.API_FUNCTIONS},
    "worker-prices": IDENTITY + SOLVER + MODEL + API,
    "worker-discovery": IDENTITY + SOLVER + MODEL + API,
    "worker-advisor": IDENTITY + SOLVER + MODEL + API,
    "worker-hibernation": IDENTITY + SOLVER + MODEL + API,
    "model-endpoint": IDENTITY + SOLVER + API,
    "opt-detect": IDENTITY + MODEL + API,
    "switch-step": IDENTITY + SOLVER + MODEL + API,
    **{spec.function: STORES + SOLVER + MODEL + API + IDENTITY for spec in topology.SCHEDULES},
    "worker-spot-events": STORES + SOLVER + MODEL + API + IDENTITY,
}

#: function → what it must not load even after its first invocation has built its use case.
NEVER_AFTER_FIRST_CALL: dict[str, tuple[str, ...]] = {
    # starts jobs: neither the planner nor HiGHS (the workflow's steps plan)
    "worker-optimize": IDENTITY + SOLVER + PLANNER + MODEL + API,
    # the Advisor feed into DynamoDB and S3: no Redis at all
    "worker-advisor": IDENTITY + SOLVER + PLANNER + MODEL + API + ("redis",),
    "worker-prices": IDENTITY + SOLVER + PLANNER + MODEL + API,
    "worker-discovery": IDENTITY + SOLVER + PLANNER + MODEL + API,
    # the live switch shares SAFE_MODE and the error summary with the optimization steps, not their planner
    "switch-step": IDENTITY + SOLVER + PLANNER + MODEL + API,
    "api-audit": SOLVER + PLANNER + MODEL,
    "api-auth": SOLVER + PLANNER + MODEL,
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


@pytest.mark.parametrize("name", sorted(NEVER_AFTER_FIRST_CALL), ids=str)
def test_a_function_loads_nothing_it_never_calls_by_its_first_call(name: str) -> None:
    # Given the function's handler module imported in a fresh interpreter
    # When its first invocation's components are built (offline)
    cold = first_call.probe(topology.function(name))
    # Then every build succeeded and none of the families it never calls is loaded
    assert cold.failed == ()
    assert cold.loaded(NEVER_AFTER_FIRST_CALL[name]) == []


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
