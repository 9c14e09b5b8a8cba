"""SnapStart: before the snapshot an API function loads what its routes' components import, and keeps none
of the components (no client, pool or credential in the snapshot); after a restore they are forgotten."""

from __future__ import annotations

import json
import subprocess
import sys

from spothive import topology
from tests.support import first_call

_SCRIPT = """
import json, sys, types
hooks = {}
runtime = types.ModuleType("snapshot_restore_py")
runtime.register_before_snapshot = lambda f, *a: hooks.setdefault("before", (f, a))
runtime.register_after_restore = lambda f, *a: hooks.setdefault("after", (f, a))
sys.modules["snapshot_restore_py"] = runtime
import functions.api_audit
from spothive.api.app import route_components
from spothive.wiring import registry
adapters = lambda: sorted(m for m in sys.modules if m.startswith("spothive.adapters."))
at_import = adapters()
prime, args = hooks["before"]
failed = prime(*args)
print(json.dumps({"at_import": at_import, "primed": adapters(), "failed": failed,
                  "components": [c.__name__ for c in route_components("api-audit")],
                  "still_built": [c.__name__ for c in route_components("api-audit") if c.built],
                  "after_restore": hooks["after"][0] is registry.reset}))
"""


def test_an_api_function_primes_its_snapshot_with_the_code_but_not_the_components() -> None:
    # Given the api-audit function imported inside the (simulated) SnapStart runtime
    spec = topology.function("api-audit")
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True,
                            cwd=first_call.ROOT, env=first_call.environment(spec))
    out = json.loads(result.stdout.strip().splitlines()[-1])
    # When the before-snapshot hook runs
    # Then the ledger, token and rate-limit adapters its routes use are loaded (they were not at import)
    wanted = {"spothive.adapters.dynamo.audit_store", "spothive.adapters.aws.jwt_verifier",
              "spothive.adapters.cache.rate_limiter"}
    assert wanted & set(out["at_import"]) == set()
    assert wanted <= set(out["primed"])
    # And every route component was built once without error, yet none is kept for the snapshot
    assert {"audit", "auth", "rate_limiter"} <= set(out["components"])
    assert out["failed"] == []
    assert out["still_built"] == []
    # And a restore forgets whatever the environment built
    assert out["after_restore"] is True
