"""Least-privilege DynamoDB access per function, granted on table and explicit index ARNs.

``r`` reads (GetItem, BatchGetItem, Query, ConditionCheckItem), ``rw`` also writes, ``a`` appends to
the hash-chained audit ledger: reads plus PutItem and UpdateItem (a record is put only if absent and
the chain head, seq 0, is moved with a condition, both inside TransactWriteItems). ``a`` has no
DeleteItem and no BatchWriteItem (which can delete). No function is granted Scan.

``TABLE_ACCESS`` is the single infra-side list. ``tests/infra/test_access_scan.py`` checks it against
``infra.code_scan`` (the tables each function's modules reach); what the scan reaches that is not
granted is in ``NOT_GRANTED`` and what is granted ahead of the code is in ``AHEAD_OF_CODE`` (empty while
every function's code exists), each with its reason.
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
    # agent tokens: UpdateItem on clusters and a Query of by_agent_token; the activity feed reads the ledger;
    # starting an optimization job puts the job and its audit record in one transaction
    "api-clusters": {"clusters": "rw", "instances": "r", "scans": "r", "jobs": "rw", **_AUDIT},
    # templates, policies and schedules are audited writes; policies and schedules check the cluster exists
    "api-config": {"node-templates": "rw", "cluster-policies": "rw", "hibernation-schedules": "rw",
                   "clusters": "r", **_AUDIT},
    "api-audit": {AUDIT_TABLE: "r"},
    # model registry actions are audited under the "platform" org
    "api-admin": {"ml-models": "rw", **_AUDIT},
    # scan records are audited with each account's status change
    "worker-discovery": {"accounts": "rw", "clusters": "rw", "instances": "rw", "scans": "rw", **_AUDIT},
    "worker-prices": {},
    "worker-advisor": {"interruption-rates": "rw"},
    # enabled schedules by shard, the cluster and its account (role), then the audited state change
    "worker-hibernation": {"hibernation-schedules": "rw", "clusters": "r", "accounts": "r", **_AUDIT},
    # instance lookup: accounts by_status, then GetItem on instances
    "worker-spot-events": {"accounts": "r", "instances": "r"},
    "model-endpoint": {},
    # every step reads and updates its job; detect also reads the cluster and its instances
    "opt-detect": {"jobs": "rw", "clusters": "r", "instances": "r"},
    "opt-risk": {"jobs": "rw"},
    "opt-decide": {"jobs": "rw"},
    # dry runs write one audit record per action (audit_once: job and ledger in one transaction)
    "opt-execute": {"jobs": "rw", **_AUDIT},
    "opt-compensate": {"jobs": "rw"},
    "opt-audit": {"jobs": "rw", **_AUDIT},
    # the experiment item is put after every step
    "switch-step": {"lab-experiments": "rw"},
}

_INLINE_DISCOVERY = ("reached only through the inline discovery trigger, used when "
                     "SPOTHIVE_DISCOVERY_FUNCTION_NAME is empty (local stack); on AWS it invokes worker-discovery")
_TENANCY_UNUSED = "the tenancy repository's user and org methods, which this function never calls"
_INVENTORY_CLUSTER_ONLY = "the inventory repository's instance and scan methods; this function only reads clusters"
_OPT_SHARED = ("built by Container.optimization, which every optimization step constructs whole; "
               "this step never calls it")
_OPT_INVENTORY = f"the inventory repository, {_OPT_SHARED}"
_OPT_LOCATOR = f"the hive mind's instance locator (Spot event ingest only), {_OPT_SHARED}"
_OPT_LEDGER = "the ledger behind the jobs repository's audit_once, which this step never calls"


def _opt_excuses(*, inventory: tuple[str, ...], ledger: bool) -> dict[str, str]:
    out = {table: _OPT_INVENTORY for table in inventory}
    out["accounts"] = _OPT_LOCATOR
    if "instances" in inventory:
        out["instances"] = f"{_OPT_INVENTORY}; the hive mind's instance locator is likewise never called"
    if ledger:
        out[AUDIT_TABLE] = _OPT_LEDGER
    return out


#: Tables the code scan reaches that a function is deliberately not granted, with the reason.
NOT_GRANTED: dict[str, dict[str, str]] = {
    "api-connect": {"users": _TENANCY_UNUSED, "orgs": _TENANCY_UNUSED, "clusters": _INLINE_DISCOVERY,
                    "instances": _INLINE_DISCOVERY, "scans": _INLINE_DISCOVERY},
    "api-config": {"instances": _INVENTORY_CLUSTER_ONLY, "scans": _INVENTORY_CLUSTER_ONLY},
    "worker-discovery": {"users": _TENANCY_UNUSED, "orgs": _TENANCY_UNUSED},
    "worker-hibernation": {"users": _TENANCY_UNUSED, "orgs": _TENANCY_UNUSED,
                           "instances": _INVENTORY_CLUSTER_ONLY, "scans": _INVENTORY_CLUSTER_ONLY},
    "opt-detect": {"scans": _OPT_INVENTORY, "accounts": _OPT_LOCATOR, AUDIT_TABLE: _OPT_LEDGER},
    "opt-risk": _opt_excuses(inventory=("clusters", "instances", "scans"), ledger=True),
    "opt-decide": _opt_excuses(inventory=("clusters", "instances", "scans"), ledger=True),
    "opt-execute": _opt_excuses(inventory=("clusters", "instances", "scans"), ledger=False),
    "opt-compensate": _opt_excuses(inventory=("clusters", "instances", "scans"), ledger=True),
    "opt-audit": _opt_excuses(inventory=("clusters", "instances", "scans"), ledger=False),
}

#: Tables granted before the code uses them: function → {table: reason} ("*" covers every table).
AHEAD_OF_CODE: dict[str, dict[str, str]] = {}

#: Functions that assume the customer's SpotHiveAccess role: linking (probe), discovery, hibernation
#: (EKS node groups) and the live switch (EC2). The optimization steps reach customers only through
#: the agent's Redis stream.
ASSUMES_CUSTOMER_ROLE = frozenset({"api-connect", "worker-discovery", "worker-hibernation", "switch-step"})


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
