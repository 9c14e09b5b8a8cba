"""Synthesize the app and print the synth time and resource counts per stack.

``python -m infra.report [--by-type]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter

from infra.constants import PROJECT_ROOT


def main(argv: list[str] | None = None) -> int:
    """Print ``<stack>: <n> resources`` for every stack (and per type with ``--by-type``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--by-type", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
    sys.path.insert(0, str(PROJECT_ROOT / "layers"))
    from infra.application import build_app

    with tempfile.TemporaryDirectory(prefix="spothive-cdk-") as outdir:
        started = time.perf_counter()
        built = build_app(outdir=outdir)
        assembly = built.app.synth()
        print(f"synth {time.perf_counter() - started:.1f} s (with asset staging)")
        for stack in assembly.stacks:
            counts = Counter(r["Type"] for r in stack.template["Resources"].values())
            print(f"{stack.stack_name}: {sum(counts.values())} resources")
            if args.by_type:
                for kind, count in sorted(counts.items()):
                    print(f"  {count:4d}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
