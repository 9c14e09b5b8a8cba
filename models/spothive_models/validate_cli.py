"""Entry point of the sandboxed validator process: ``validate_cli <model file> [--min-auc X]``.

Prints one JSON object ``{"ok", "reason", "metrics"}`` on stdout. Exit status: 0 valid, 1 rejected,
2 the validator itself failed (unreadable file, bad arguments). The parent sets the resource limits.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from spothive_models.validate import DEFAULT_MIN_AUC, validate_bytes

MAX_BYTES = 512 * 1024 * 1024


def main(argv: Sequence[str] | None = None) -> int:
    """Validate one file and report."""
    parser = argparse.ArgumentParser(prog="validate_cli")
    parser.add_argument("path", type=Path)
    parser.add_argument("--min-auc", type=float, default=DEFAULT_MIN_AUC)
    args = parser.parse_args(argv)
    try:
        with args.path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        print(json.dumps({"ok": False, "reason": f"validator could not read the upload: {exc}", "metrics": {}}))
        return 2
    report = validate_bytes(data, args.min_auc)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
