"""The ``spothive`` command line: each sub-command lives in ``spothive.commands.<name>``."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys
from collections.abc import Sequence

#: Sub-command modules; each exposes ``register(subparsers)`` that adds its parser and sets ``func``.
COMMAND_MODULES: tuple[str, ...] = (
    "spothive.commands.admin",
    "spothive.commands.local",
    "spothive.commands.openapi",
    "spothive.commands.plan",
    "spothive.commands.risk",
)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every installed sub-command registered."""
    parser = argparse.ArgumentParser(prog="spothive", description="SpotHive cost optimizer")
    parser.add_argument("--version", action="version", version=f"spothive {_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _version() -> str:
    """The installed distribution's version (``unknown`` when run from a source tree not installed)."""
    try:
        return importlib.metadata.version("spothive")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command and return its exit code."""
    args = build_parser().parse_args(argv)
    code = int(args.func(args) or 0)
    if argv is None and getattr(args, "exit_without_teardown", False):
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End the process without the interpreter's teardown.

    A command that has already stopped everything it started (``spothive local``) would otherwise wait
    seconds while the interpreter frees moto's in-memory AWS and botocore's data; Ctrl-C must be at once.
    Only for a real command line (``argv is None``), never for in-process callers such as tests."""
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
