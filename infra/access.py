"""Least privilege from the topology manifest: each function gets exactly what its ``FunctionSpec`` declares.

Tables are granted on the table and its explicit index ARNs with the actions of the declared mode
(``Access``); no mode includes Scan, and the audit ledger allows only ``read`` or ``append`` (no
DeleteItem, no BatchWriteItem, which can delete). Buckets are granted on ``<bucket>/<prefix>*``. IAM
grants name their resource (the customer role pattern, the user pool, a state machine, a function)
or ``*`` with the manifest's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from infra.actions import OBJECT_ACTIONS, actions
from infra.constants import CUSTOMER_ROLE_ARN_PATTERN
from infra.nag import acknowledge, arn_finding
from spothive.adapters.dynamo.schema import TableSpec
from spothive.topology import AUDIT_TABLE, Access, Bucket, FunctionSpec, Grant, Target

_CUSTOMER_ROLE_REASON = ("Customer accounts are unknown at deploy time; only roles named SpotHiveAccess* "
                         "(which demand the tenant's External ID) can be assumed.")


@dataclass(frozen=True)
class Resources:
    """What grants point at, resolved from the stack."""

    tables: Mapping[str, tuple[TableSpec, dynamodb.ITable]]
    buckets: Mapping[Bucket, s3.IBucket]
    user_pool_arn: str
    state_machines: Mapping[str, sfn.IStateMachine]
    functions: Mapping[str, lambda_.IFunction]
    #: The asymmetric KMS key that signs impersonation tokens.
    impersonation_key_arn: str = ""
    #: Every worker's dead-letter queue (their backlog of failed events).
    dead_letter_arns: tuple[str, ...] = ()
    #: The customer-managed key of the tables (``None``: AWS managed, nothing to grant).
    table_key: kms.IKey | None = None
    #: ``POST @connections/*`` on the live streams' WebSocket stage.
    websocket_api_arn: str = ""
    #: The SES identity (and its configuration set) the weekly report is sent from.
    email_identity_arns: tuple[str, ...] = ()


def grant_tables(fn: lambda_.Function, spec: FunctionSpec, tables: Mapping[str, tuple[TableSpec, dynamodb.ITable]],
                 ) -> None:
    """Every declared table on its table and index ARNs (stream ARN for ``stream``) with the mode's actions."""
    for use in sorted(spec.tables, key=lambda u: u.table):
        if use.table == AUDIT_TABLE and use.mode not in (Access.READ, Access.APPEND):
            raise ValueError(f"{spec.name}: the audit ledger allows only read or append, not {use.mode}")
        table_spec, table = tables[use.table]
        if use.mode is Access.STREAM:
            if not table_spec.stream or table.table_stream_arn is None:
                raise ValueError(f"{spec.name}: {use.table} has no stream")
            resources = [table.table_stream_arn]
        else:
            resources = [table.table_arn] + [f"{table.table_arn}/index/{ix.name}" for ix in table_spec.indexes]
        fn.add_to_role_policy(iam.PolicyStatement(actions=list(actions(use.mode)), resources=resources))


def grant_buckets(fn: lambda_.Function, spec: FunctionSpec, buckets: Mapping[Bucket, s3.IBucket]) -> None:
    """Every declared bucket prefix, ``<bucket>/<prefix>*``, with the mode's actions."""
    for use in spec.buckets:
        bucket = buckets[use.bucket]
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=list(OBJECT_ACTIONS[use.mode]), resources=[bucket.arn_for_objects(f"{use.prefix}*")]))
        acknowledge(fn, "AwsSolutions-IAM5", arn_finding(bucket, f"/{use.prefix}*"),
                    reason=f"Objects live under {use.prefix}<id>/ in the {use.bucket} bucket; "
                    "their keys are not known in advance.")


def _resource_of(grant: Grant, found: Resources) -> tuple[list[str], Callable[[lambda_.Function], None]]:
    """The ARNs a grant applies to and the cdk-nag acknowledgement its wildcard needs (if any)."""
    if grant.target is Target.CUSTOMER_ROLE:
        return [CUSTOMER_ROLE_ARN_PATTERN], lambda fn: acknowledge(
            fn, "AwsSolutions-IAM5", f"Resource::{CUSTOMER_ROLE_ARN_PATTERN}", reason=_CUSTOMER_ROLE_REASON)
    if grant.target is Target.USER_POOL:
        return [found.user_pool_arn], lambda fn: None
    if grant.target is Target.IMPERSONATION_KEY:
        if not found.impersonation_key_arn:
            raise ValueError(f"{grant.actions}: the stack has no impersonation key")
        return [found.impersonation_key_arn], lambda fn: None
    if grant.target is Target.DEAD_LETTER_QUEUES:
        if not found.dead_letter_arns:
            raise ValueError(f"{grant.actions}: the stack has no dead-letter queues")
        return list(found.dead_letter_arns), lambda fn: None
    if grant.target is Target.STATE_MACHINE:
        return [found.state_machines[grant.name].state_machine_arn], lambda fn: None
    if grant.target is Target.FUNCTION:
        target = found.functions[grant.name]
        # any published version of the target, as Function.grant_invoke grants
        return [target.function_arn, f"{target.function_arn}:*"], lambda fn: acknowledge(
            fn, "AwsSolutions-IAM5", arn_finding(target, ":*"),
            reason=f"Invoking any published version of {grant.name}.")
    if grant.target is Target.WEBSOCKET_API:
        if not found.websocket_api_arn:
            raise ValueError(f"{grant.actions}: no WebSocket API to grant on")
        return [found.websocket_api_arn], lambda fn: acknowledge(
            fn, "AwsSolutions-IAM5", _websocket_finding(found.websocket_api_arn, fn),
            reason="PostToConnection names connections that open at run time; the grant is this stage's only.")
    if grant.target is Target.EMAIL_IDENTITY:
        if not found.email_identity_arns:
            raise ValueError(f"{grant.actions}: no SES identity to grant on")
        return list(found.email_identity_arns), lambda fn: None
    return ["*"], lambda fn: None


def _websocket_finding(arn: str, fn: lambda_.Function) -> str:
    """The IAM5 finding text of the stage's ``@connections/*`` ARN (resolved as cdk-nag prints it)."""
    from aws_cdk import Stack

    stack = Stack.of(fn)
    resolved = stack.resolve(arn)
    parts = resolved.get("Fn::Join", ["", []])[1] if isinstance(resolved, dict) else [resolved]
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        elif "Ref" in part:
            text += f"<{part['Ref']}>"
        elif "Fn::GetAtt" in part:
            text += f"<{'.'.join(part['Fn::GetAtt'])}>"
    return f"Resource::{text}"


def grant_iam(fn: lambda_.Function, spec: FunctionSpec, found: Resources) -> None:
    """Every declared IAM grant on its resource."""
    for grant in spec.iam:
        arns, ack = _resource_of(grant, found)
        fn.add_to_role_policy(iam.PolicyStatement(actions=list(grant.actions), resources=arns))
        ack(fn)


def wildcard_reasons(spec: FunctionSpec) -> list[str]:
    """Why the function holds actions on ``*`` (X-Ray always, plus the manifest's own)."""
    reasons = ["X-Ray writes support no resource-level permissions"]
    reasons += [f"{', '.join(g.actions)}: {g.reason}" for g in spec.iam if g.target is Target.ANY]
    return reasons


def grant_all(fns: Mapping[str, lambda_.Function], specs: tuple[FunctionSpec, ...], found: Resources) -> None:
    """Grant every function exactly its manifest."""
    for spec in specs:
        fn = fns[spec.name]
        grant_tables(fn, spec, found.tables)
        if found.table_key is not None:
            grant_table_key(fn, spec, found.table_key)
        grant_buckets(fn, spec, found.buckets)
        grant_iam(fn, spec, found)


def grant_table_key(fn: lambda_.Function, spec: FunctionSpec, key: kms.IKey) -> None:
    """The tables' key, through DynamoDB only: Decrypt for readers, also Encrypt and GenerateDataKey for
    writers. Functions that declare no table get nothing."""
    if not spec.tables:
        return
    writes = any(use.mode in (Access.WRITE, Access.APPEND) for use in spec.tables)
    fn.add_to_role_policy(iam.PolicyStatement(
        actions=["kms:Decrypt", "kms:DescribeKey", *(["kms:Encrypt", "kms:GenerateDataKey"] if writes else [])],
        resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(fn).region}.amazonaws.com"}},
    ))
