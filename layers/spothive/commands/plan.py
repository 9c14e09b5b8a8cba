"""``spothive plan``: read a cluster snapshot, plan consolidation, print the plan JSON and a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from spothive.domain.catalog import Catalog, load_builtin_catalog, load_catalog_csv
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.packing.problem import CatalogError
from spothive.domain.plan_validation import validate_plan
from spothive.domain.projection import project_savings
from spothive.schemas import validate

EXIT_INVALID = 2


def schema_errors(document: Any, name: str) -> list[str]:
    """Human-readable errors, each naming the JSON path of the bad field."""
    return [f"{name}: {e.path}: {e.message}" for e in validate(document, name)]


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{what}: file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: $: not valid JSON ({exc.msg} at line {exc.lineno})") from exc


class InputError(Exception):
    """Bad input: reported on stderr with exit code 2."""


def _solver() -> Any:
    try:
        from spothive.adapters.solver.highs import HighsSolver
    except ImportError:  # pragma: no cover - highspy is a declared dependency
        return None
    return HighsSolver()


def run(args: argparse.Namespace) -> int:
    """Execute the command; return the exit code."""
    try:
        snapshot_doc = _read_json(args.snapshot, "snapshot")
        errors = schema_errors(snapshot_doc, "snapshot")
        policy_doc: Any = {}
        if args.policy:
            policy_doc = _read_json(args.policy, "policy")
            errors += schema_errors(policy_doc, "policy")
        if errors:
            raise InputError("\n".join(errors))
        catalog: Catalog = load_catalog_csv(args.catalog) if args.catalog else load_builtin_catalog()
        snapshot = snapshot_from_dict(snapshot_doc)
        policy = policy_from_dict(policy_doc)
        plan = plan_consolidation(snapshot, catalog, policy, solver=None if args.no_milp else _solver())
    except (InputError, CatalogError) as exc:
        print(f"spothive plan: invalid input\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    except (OSError, KeyError, ValueError) as exc:
        print(f"spothive plan: invalid input: {exc}", file=sys.stderr)
        return EXIT_INVALID
    document = plan.to_dict()
    violations = validate_plan(snapshot, catalog, document, policy)
    text = json.dumps(document, indent=2, sort_keys=False)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    savings = project_savings([plan.cost_before_per_hour], [plan.cost_after_per_hour])
    added = sum(1 for n in plan.nodes if n.new)
    removed = sum(1 for a in plan.actions if a.get("type") == "remove_node")
    print(
        f"{snapshot.cluster or 'cluster'}: {len(snapshot.nodes)} → {len(plan.nodes)} nodes "
        f"(+{added} new, -{removed} removed); ${plan.cost_before_per_hour:.4f}/h → "
        f"${plan.cost_after_per_hour:.4f}/h; ${savings.monthly_savings:,.2f}/month saved "
        f"({savings.savings_pct:.1f} %); lower bound ${plan.lower_bound_per_hour:.4f}/h, gap {plan.gap:.1%}; "
        f"{len(plan.unplaced)} unplaced; {plan.method} in {plan.solve_seconds:.2f} s",
        file=sys.stderr,
    )
    if violations:
        for v in violations:
            print(f"violation: {v.kind} {v.subject}: {v.message}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: Any) -> None:
    """Add the ``plan`` sub-command."""
    parser = subparsers.add_parser("plan", help="plan consolidation for a cluster snapshot")
    parser.add_argument("--snapshot", required=True, help="cluster snapshot JSON (docs/formats.md)")
    parser.add_argument("--catalog", help="catalog CSV (columns of ec2_instance_types_karpenter.csv)")
    parser.add_argument("--policy", help="policy JSON (docs/formats.md)")
    parser.add_argument("--out", help="write the plan here instead of stdout")
    parser.add_argument("--no-milp", action="store_true", help="heuristic and bound only, no MILP refinement")
    parser.set_defaults(func=run)
