"""DynamoDB tables, created from ``schema.ALL_TABLES``."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from spothive.adapters.dynamo.schema import ALL_TABLES, Key, TableSpec


def _attribute(key: Key) -> dynamodb.Attribute:
    kind = dynamodb.AttributeType.NUMBER if key.type == "N" else dynamodb.AttributeType.STRING
    return dynamodb.Attribute(name=key.name, type=kind)


class Data(Construct):
    """On-demand, point-in-time-recoverable tables under the customer-managed data key; retained on stack
    deletion. One key for all: every table holds tenant data or the audit ledger, and one key keeps the
    KMS request count (DynamoDB caches a table key per caller for five minutes) and the bill small."""

    def __init__(self, scope: Construct, construct_id: str, *, table_prefix: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        #: table suffix → (spec, table)
        self.tables: dict[str, tuple[TableSpec, dynamodb.Table]] = {}
        for spec in ALL_TABLES:
            table = dynamodb.Table(
                self,
                "".join(part.capitalize() for part in spec.suffix.split("-")),
                table_name=spec.table_name(table_prefix),
                partition_key=_attribute(spec.hash_key),
                sort_key=_attribute(spec.range_key) if spec.range_key else None,
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=key,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=spec.ttl_attribute,
                stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if spec.stream else None,
                deletion_protection=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
            for index in spec.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.hash_key),
                    sort_key=_attribute(index.range_key) if index.range_key else None,
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            self.tables[spec.suffix] = (spec, table)

    def table(self, suffix: str) -> dynamodb.Table:
        """The table whose spec has ``suffix``."""
        return self.tables[suffix][1]
