"""Customer-managed KMS keys: customer data (tables), logs, function environments, dead letters.

Four keys rather than one so a key policy names only the services that need it: CloudWatch Logs may use
the logs key for this account's log groups alone, EventBridge and Lambda may use the dead-letter key, and
the data and environment keys serve no service principal at all. Function roles are granted per manifest
(``infra.access``): the data key, through DynamoDB only, to functions that declare tables; the
environment key's Decrypt to every function (Lambda decrypts variables with the execution role).
Each key rotates yearly and is retained when the stack is deleted (encrypted data outlives the stack).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

#: Read and write through a service: what DynamoDB, Logs and SQS need of a key (exact actions, no wildcards).
USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")


class Keys(Construct):
    """``data`` (DynamoDB tables: the audit ledger and every customer-data table), ``logs`` (every log
    group), ``environment`` (Lambda environment variables), ``dead_letters`` (the failure queues)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data = self._key("Data", "SpotHive tables: the audit ledger and customer data")
        self.logs = self._key("Logs", "SpotHive CloudWatch log groups")
        self.environment = self._key("Environment", "SpotHive Lambda environment variables")
        self.dead_letters = self._key("DeadLetters", "SpotHive dead-letter queues")
        region = Stack.of(self).region
        self.logs.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsForThisAccountsLogGroups",
            principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                     "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            resources=["*"],  # in a key policy "*" is this key
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{Aws.PARTITION}:logs:{region}:{Aws.ACCOUNT_ID}:log-group:*"}},
        ))
        # EventBridge writes undeliverable events to the failure queues (Lambda writes as the function's role)
        self.dead_letters.add_to_resource_policy(iam.PolicyStatement(
            sid="EventBridgeDeadLetters",
            principals=[iam.ServicePrincipal("events.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))

    def _key(self, construct_id: str, description: str) -> kms.Key:
        return kms.Key(
            self, construct_id, description=description, enable_key_rotation=True,
            rotation_period=Duration.days(365), removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )

    def all(self) -> dict[str, kms.Key]:
        """Name → key, for reports and tests."""
        return {"data": self.data, "logs": self.logs, "environment": self.environment,
                "dead-letters": self.dead_letters}
