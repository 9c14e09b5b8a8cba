"""Least-privilege DynamoDB access per function, granted on table and explicit index ARNs.

``r`` reads (GetItem, BatchGetItem, Query, ConditionCheckItem), ``rw`` also writes, ``a`` appends to
the hash-chained audit ledger: reads plus PutItem and UpdateItem (a record is put only if absent and
the chain head, seq 0, is moved with a condition, both inside TransactWriteItems). ``a`` has no
DeleteItem and no BatchWriteItem (which can delete). No function is granted Scan.

``TABLE_ACCESS`` is the single infra-side list. ``tests/infra/test_access_scan.py`` checks it against
``infra.code_scan`` (the tables each function's modules reach); what the scan reaches that is not
granted is in ``NOT_GRANTED`` and what is granted ahead of the code is in ``AHEAD_OF_CODE``, each with
its reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from spothive.adapters.dynamo.schema import TableSpec

AUDIT_TABLE = "audit-logs"
READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
APPEND_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem")

_AUDIT = {AUDIT_TABLE: "a"}

#: function name → {table suffix: mode}
TABLE_ACCESS: dict[str, dict[str, str]] = {
    # sign-up puts user, org and a placeholder account in one audited transaction; rollback deletes them
    "api-auth": {"users": "rw", "orgs": "rw", "accounts": "rw", **_AUDIT},
    "api-connect": {"accounts": "rw", **_AUDIT},
    # agent tokens: UpdateItem on clusters and a Query of by_agent_token; the activity feed reads the ledger
    "api-clusters": {"clusters": "rw", "instances": "r", "scans": "r", AUDIT_TABLE: "r",
                     "jobs": "rw", "lab-experiments": "r"},
    "api-config": {"node-templates": "rw", "cluster-policies": "rw", "hibernation-schedules": "rw",
                   "clusters": "r", **_AUDIT},
    "api-audit": {AUDIT_TABLE: "r"},
    # model registry actions are audited under the "platform" org
    "api-admin": {"ml-models": "rw", **_AUDIT},
    # scan records are audited with each account's status change
    "worker-discovery": {"accounts": "rw", "clusters": "rw", "instances": "rw", "scans": "rw", **_AUDIT},
    "worker-prices": {},
    "worker-advisor": {"interruption-rates": "rw"},
    "worker-hibernation": {"hibernation-schedules": "rw", "node-templates": "r", "cluster-policies": "r",
                           "clusters": "r", "accounts": "r", **_AUDIT},
    # instance lookup: accounts by_status, then GetItem on instances
    "worker-spot-events": {"accounts": "r", "instances": "r"},
    "model-endpoint": {},
    "opt-detect": {"clusters": "r", "instances": "r", "accounts": "r", "cluster-policies": "r",
                   "node-templates": "r", "jobs": "rw", "lab-experiments": "r", **_AUDIT},
    "opt-risk": {"interruption-rates": "r", "ml-models": "r", "jobs": "rw", "lab-experiments": "r", **_AUDIT},
    "opt-decide": {"cluster-policies": "r", "jobs": "rw", "lab-experiments": "r", **_AUDIT},
    "opt-execute": {"jobs": "rw", "instances": "rw", "accounts": "r", "clusters": "r", "lab-experiments": "r",
                    **_AUDIT},
    "opt-compensate": {"jobs": "rw", "instances": "rw", "accounts": "r", "clusters": "r",
                       "lab-experiments": "r", **_AUDIT},
    "opt-audit": {"jobs": "rw", "lab-experiments": "r", **_AUDIT},
    "switch-step": {"lab-experiments": "rw", "jobs": "rw", "ml-models": "r", "accounts": "r", "instances": "r",
                    **_AUDIT},
}

_INLINE_DISCOVERY = ("reached only through the inline discovery trigger, used when "
                     "SPOTHIVE_DISCOVERY_FUNCTION_NAME is empty (local stack); on AWS it invokes worker-discovery")
_TENANCY_UNUSED = "the tenancy repository's user and org methods, which this function never calls"

#: Tables the code scan reaches that a function is deliberately not granted, with the reason.
NOT_GRANTED: dict[str, dict[str, str]] = {
    "api-connect": {"users": _TENANCY_UNUSED, "orgs": _TENANCY_UNUSED, "clusters": _INLINE_DISCOVERY,
                    "instances": _INLINE_DISCOVERY, "scans": _INLINE_DISCOVERY},
    "worker-discovery": {"users": _TENANCY_UNUSED, "orgs": _TENANCY_UNUSED},
}

_PENDING = "its handler or router modules are not written yet; access as designed in docs/deploy.md"

#: Tables granted before the code uses them: function → {table: reason} ("*" covers every table).
AHEAD_OF_CODE: dict[str, dict[str, str]] = {
    "api-clusters": {"jobs": "optimization jobs started from the clusters API (StartExecution is granted)",
                     "lab-experiments": "experiment status shown with a cluster's optimization jobs"},
    "api-config": {"*": _PENDING},
    "worker-hibernation": {"*": _PENDING},
    **{name: {"*": _PENDING} for name in (
        "opt-detect", "opt-risk", "opt-decide", "opt-execute", "opt-compensate", "opt-audit", "switch-step")},
}

#: Functions that assume the customer's SpotHiveAccess role.
ASSUMES_CUSTOMER_ROLE = frozenset({
    "api-connect", "worker-discovery", "worker-hibernation", "opt-detect", "opt-execute",
    "opt-compensate", "switch-step",
})


def actions(mode: str) -> tuple[str, ...]:
    """The DynamoDB actions of an access mode."""
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
        if suffix == AUDIT_TABLE and mode not in ("r", "a"):
            raise ValueError(f"{function_name}: the audit ledger allows only 'r' or 'a', not {mode!r}")
        resources = [table.table_arn] + [f"{table.table_arn}/index/{ix.name}" for ix in spec.indexes]
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions(mode)), resources=resources)
        )
