"""The IAM actions of each manifest access mode (no CDK import, so tests and reports can use them)."""

from __future__ import annotations

from spothive.topology import Access

READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
#: The audit ledger: a record is put only if absent and the chain head (seq 0) moved with a condition.
APPEND_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem")
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams")
TABLE_ACTIONS: dict[Access, tuple[str, ...]] = {
    Access.READ: READ_ACTIONS,
    Access.WRITE: READ_ACTIONS + WRITE_ACTIONS,
    Access.APPEND: READ_ACTIONS + APPEND_ACTIONS,
    Access.STREAM: STREAM_ACTIONS,
}
#: S3 actions per mode: read gets, append also puts (never deletes), write also deletes.
OBJECT_ACTIONS: dict[Access, tuple[str, ...]] = {
    Access.READ: ("s3:GetObject",),
    Access.APPEND: ("s3:GetObject", "s3:PutObject"),
    Access.WRITE: ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
}


def actions(mode: Access) -> tuple[str, ...]:
    """The DynamoDB actions of a table access mode."""
    return TABLE_ACTIONS[Access(mode)]
