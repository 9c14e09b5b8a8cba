"""Print the per-function access table of docs/deploy.md from the topology manifests.

``python -m infra.manifest_report`` prints it; ``--write`` puts it into docs/deploy.md between the markers;
``--check`` exits 1 when docs/deploy.md holds a different table.
"""

from __future__ import annotations

import argparse
import sys

from infra.constants import PROJECT_ROOT
from spothive import topology
from spothive.topology import COMMON_SETTINGS, Access, FunctionSpec, Target

DOC = PROJECT_ROOT / "docs" / "deploy.md"
BEGIN, END = "<!-- manifest:begin -->", "<!-- manifest:end -->"
_MODE = {Access.READ: "r", Access.WRITE: "rw", Access.APPEND: "a", Access.STREAM: "stream"}
_OBJECTS = {Access.READ: "Get", Access.APPEND: "Get/Put", Access.WRITE: "Get/Put/Delete"}


def _grant(spec: FunctionSpec) -> str:
    parts = []
    for grant in spec.iam:
        where = {Target.CUSTOMER_ROLE: "`SpotHiveAccess*` roles", Target.USER_POOL: "the user pool",
                 Target.STATE_MACHINE: f"state machine `{grant.name}`", Target.FUNCTION: f"`{grant.name}`",
                 Target.IMPERSONATION_KEY: "the impersonation key", Target.DEAD_LETTER_QUEUES: "the workers' dead-letter queues",

                 Target.WEBSOCKET_API: "the streams WebSocket stage",
                 Target.EMAIL_IDENTITY: "the report's SES identity", Target.ANY: "`*`"}[grant.target]
        parts.append(f"{', '.join(grant.actions)} on {where}")
    return "; ".join(parts) or "—"


def row(spec: FunctionSpec) -> str:
    """One markdown table row for ``spec``."""
    tables = ", ".join(f"{u.table} ({_MODE[u.mode]})" for u in sorted(spec.tables, key=lambda u: u.table)) or "—"
    s3 = ", ".join(f"{u.bucket} `{u.prefix}*` {_OBJECTS[u.mode]}" for u in spec.buckets) or "—"
    settings = ", ".join(v.removeprefix("SPOTHIVE_") for v in spec.settings) or "—"
    layers = "+".join(spec.layers)
    return (f"| `{spec.name}` | {tables} | {s3} | {'yes' if spec.needs_redis else '—'} | {settings} | "
            f"{_grant(spec)} | {layers} | {spec.memory_mb} MB, {spec.timeout_s} s |")


def table() -> str:
    """The whole table, header included."""
    lines = ["| function | tables | S3 | Redis | settings | IAM | layers | sizing |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [row(spec) for spec in topology.ALL_FUNCTIONS]
    return "\n".join(lines)


def documented() -> str:
    """The table between the markers in docs/deploy.md."""
    text = DOC.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def main(argv: list[str] | None = None) -> int:
    """Print the table, write it into the doc, or compare it with the documented one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        DOC.write_text(f"{head}{BEGIN}\n{table()}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
        return 0
    if args.check:
        if documented() != table():
            print("docs/deploy.md's access table is stale: python -m infra.manifest_report", file=sys.stderr)
            return 1
        return 0
    print(f"Every function also receives {', '.join(COMMON_SETTINGS)} (and SPOTHIVE_REDIS_URL with Redis).")
    print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
