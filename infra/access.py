"""Least-privilege DynamoDB access per function, granted on table and explicit index ARNs.

``r`` reads (GetItem, BatchGetItem, Query), ``rw`` also writes, ``a`` appends: read plus
conditional PutItem only, for the hash-chained audit ledger that nothing may update or delete.
No function is granted Scan: every access pattern is a key lookup or a Query (schema.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from spothive.adapters.dynamo.schema import TableSpec

READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
APPEND_ACTIONS = ("dynamodb:PutItem",)

_AUDIT = {"audit-logs": "a"}

#: function name → {table suffix: mode}
TABLE_ACCESS: dict[str, dict[str, str]] = {
    "api-auth": {"users": "rw", "orgs": "rw", **_AUDIT},
    "api-connect": {"accounts": "rw", "orgs": "r", "scans": "r", **_AUDIT},
    "api-clusters": {"clusters": "rw", "instances": "r", "accounts": "r", "scans": "r", "jobs": "rw",
                     "cluster-policies": "r", "orgs": "r", **_AUDIT},
    "api-config": {"node-templates": "rw", "cluster-policies": "rw", "hibernation-schedules": "rw",
                   "clusters": "r", **_AUDIT},
    "api-audit": {"audit-logs": "r", "orgs": "r"},
    "api-admin": {"users": "rw", "orgs": "rw", "accounts": "r", "clusters": "r", "ml-models": "rw",
                  "lab-experiments": "rw", "interruption-rates": "r", **_AUDIT},
    "worker-discovery": {"accounts": "rw", "clusters": "rw", "instances": "rw", "scans": "rw"},
    "worker-prices": {"instances": "r"},
    "worker-advisor": {"interruption-rates": "rw"},
    "worker-hibernation": {"hibernation-schedules": "r", "clusters": "r", "accounts": "r", **_AUDIT},
    "worker-spot-events": {"instances": "r", "clusters": "r", **_AUDIT},
    "model-endpoint": {"ml-models": "r"},
    "opt-detect": {"clusters": "r", "instances": "r", "accounts": "r", "cluster-policies": "r",
                   "node-templates": "r", "jobs": "rw"},
    "opt-risk": {"interruption-rates": "r", "ml-models": "r", "jobs": "rw"},
    "opt-decide": {"cluster-policies": "r", "jobs": "rw"},
    "opt-execute": {"jobs": "rw", "instances": "rw", "accounts": "r", "clusters": "r"},
    "opt-compensate": {"jobs": "rw", "instances": "rw", "accounts": "r", "clusters": "r"},
    "opt-audit": {"jobs": "rw", **_AUDIT},
    "switch-step": {"lab-experiments": "rw", "ml-models": "r", "accounts": "r", "instances": "r", **_AUDIT},
}

#: Functions that assume the customer's SpotHiveAccess role.
ASSUMES_CUSTOMER_ROLE = frozenset({
    "api-connect", "worker-discovery", "worker-hibernation", "opt-detect", "opt-execute",
    "opt-compensate", "switch-step",
})


def _actions(mode: str) -> tuple[str, ...]:
    if mode == "r":
        return READ_ACTIONS
    if mode == "rw":
        return READ_ACTIONS + WRITE_ACTIONS
    if mode == "a":
        return READ_ACTIONS + APPEND_ACTIONS
    raise ValueError(f"unknown access mode {mode!r}")


def grant_tables(
    grantee: iam.IGrantable,
    function_name: str,
    tables: Mapping[str, tuple[TableSpec, dynamodb.ITable]],
) -> None:
    """Grant ``function_name`` exactly the table access listed in TABLE_ACCESS."""
    for suffix, mode in sorted(TABLE_ACCESS[function_name].items()):
        spec, table = tables[suffix]
        resources = [table.table_arn] + [f"{table.table_arn}/index/{ix.name}" for ix in spec.indexes]
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=list(_actions(mode)), resources=resources)
        )
