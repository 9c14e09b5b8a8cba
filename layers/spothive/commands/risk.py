"""``spothive risk``: evaluate and train the interruption-risk model (imports lightgbm only when run)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``risk evaluate`` and ``risk train``."""
    risk = subparsers.add_parser("risk", help="interruption-risk model: evaluate, train")
    actions = risk.add_subparsers(dest="risk_command", required=True)

    evaluate = actions.add_parser(
        "evaluate",
        help="train on sources and score a later Advisor snapshot against both baselines",
        description="Features come from the --train sources dated before the test snapshot; the test file "
        "(Spot Advisor feed JSON or SpotLake CSV) supplies labels: bucket >= 3. The forecast horizon is the "
        "time from the newest labeled training snapshot to the test snapshot's date (from its rows or file "
        "name, or --test-date).",
    )
    evaluate.add_argument(
        "--train",
        nargs="+",
        type=Path,
        required=True,
        help="Advisor feed JSON, SpotLake CSV, spot price CSV, catalog CSV (any mix)",
    )
    evaluate.add_argument("--test", type=Path, required=True, help="later snapshot with buckets")
    evaluate.add_argument(
        "--group",
        choices=("family", "type"),
        default="family",
        help="fold grouping when the test labels are cross-fitted (default: family)",
    )
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument(
        "--test-date",
        type=_date,
        help="date of the test snapshot, YYYY-MM-DD (default: from the feed's rows or file name)",
    )
    evaluate.add_argument(
        "--kind",
        choices=("lightgbm", "logistic"),
        action="append",
        help="structure model(s) to evaluate (default: both)",
    )
    evaluate.set_defaults(func=_evaluate)

    train = actions.add_parser("train", help="train the shipped artifact from the public data")
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    train.add_argument("--folds", type=int, default=5)
    train.add_argument("--kind", choices=("lightgbm", "logistic"), help="default: the better in family CV")
    train.set_defaults(func=_train)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--test-date must be YYYY-MM-DD, got {text!r}") from exc


def _evaluate(args: argparse.Namespace) -> int:
    from spothive_models.experiment import evaluate_paths

    for path in [*args.train, args.test]:
        if not path.is_file():
            print(f"error: {path}: no such file")
            return 2
    try:
        kinds = tuple(dict.fromkeys(args.kind or ("lightgbm", "logistic")))
        result = evaluate_paths(
            args.train, args.test, group=args.group, folds=args.folds, kinds=kinds, test_date=args.test_date
        )
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    print(result.report())
    return 0


def _train(args: argparse.Namespace) -> int:
    from spothive_models.train import main

    argv = ["--out", str(args.out), "--data-dir", str(args.data_dir), "--folds", str(args.folds)]
    return main([*argv, "--kind", args.kind] if args.kind else argv)
