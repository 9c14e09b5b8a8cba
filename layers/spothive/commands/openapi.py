"""``spothive openapi``: the API's OpenAPI document, built from ``create_app()`` with no servers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``openapi`` sub-command."""
    parser = subparsers.add_parser("openapi", help="print the API's OpenAPI JSON")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print (or write) the OpenAPI document."""
    from spothive.api.app import create_app

    text = json.dumps(create_app().openapi(), indent=2, sort_keys=False) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
