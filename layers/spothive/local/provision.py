"""Create SpotHive's AWS resources in moto from the same specs the CDK app deploys (idempotent)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from spothive import topology
from spothive.adapters.dynamo import schema
from spothive.domain.tenancy import CLIENT_READ_ATTRIBUTES, CLIENT_WRITE_ATTRIBUTES
from spothive.local.dead_letters import create_dead_letter_queues, drain_queues
from spothive.local.provision_compute import (
    attach_dead_letters,
    create_functions,
    create_rules,
    create_state_machines,
    error_code,
    role,
)

LOG = logging.getLogger("spothive.local.provision")

REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
LAMBDA_ROLE = "spothive-local-lambda"
#: The settings' own defaults, spelled out: the local stack sets its values explicitly.
CUSTOMER_ROLE_NAME = "SpotHiveAccess"
STATES_ROLE = "spothive-local-states"

#: The agent chart of this checkout (``agent/chart``).
LOCAL_CHART = Path(__file__).resolve().parents[3] / "agent" / "chart"


@dataclass
class Provisioned:
    """What :func:`provision` created: names and ARNs, and the environment that points at them."""

    endpoint_url: str
    region: str
    prefix: str
    tables: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    user_pool_id: str = ""
    client_id: str = ""
    bucket: str = ""
    impersonation_key_id: str = ""
    #: Function name → URL of its dead-letter queue (every ``async_invoked`` function has one).
    dead_letters: dict[str, str] = field(default_factory=dict)
    #: The process environment: every function's declared settings (all handlers share one process).
    env: dict[str, str] = field(default_factory=dict)
    #: Function name → the environment its manifest declares (also set on the moto Lambda function).
    function_env: dict[str, dict[str, str]] = field(default_factory=dict)


def client(service: str, endpoint_url: str, region: str = REGION) -> Any:
    """A boto3 client for moto at ``endpoint_url`` with the fake credentials."""
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def create_tables(ddb: Any, prefix: str) -> dict[str, str]:
    """Every table of ``schema.ALL_TABLES``: keys, GSIs (projection ALL), streams and TTL."""
    existing: set[str] = set()
    for page in ddb.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    created: dict[str, str] = {}
    for spec in schema.ALL_TABLES:
        name = spec.table_name(prefix)
        created[spec.suffix] = name
        if name not in existing:
            ddb.create_table(**table_request(spec, prefix))
        if spec.ttl_attribute:
            ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") != "ENABLED":
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": spec.ttl_attribute})
    return created


def table_request(spec: schema.TableSpec, prefix: str) -> dict[str, Any]:
    """The ``CreateTable`` arguments for one spec."""

    def key_schema(hash_key: schema.Key, range_key: schema.Key | None) -> list[dict[str, str]]:
        keys = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
        if range_key:
            keys.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
        return keys

    request: dict[str, Any] = {
        "TableName": spec.table_name(prefix),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": k.name, "AttributeType": k.type}
                                 for k in spec.key_attributes()],
        "KeySchema": key_schema(spec.hash_key, spec.range_key),
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": index.name, "KeySchema": key_schema(index.hash_key, index.range_key),
             "Projection": {"ProjectionType": "ALL"}}
            for index in spec.indexes
        ]
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return request


def create_user_pool(idp: Any, prefix: str) -> tuple[str, str]:
    """The user pool and app client, configured as the CDK auth construct configures them."""
    pool_name = f"{prefix}-users"
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == pool_name), None)
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=pool_name,
            UsernameAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            AutoVerifiedAttributes=["email"],
            Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True,
                                         "RequireLowercase": True, "RequireNumbers": True,
                                         "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}},
            Schema=[
                {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "org_id", "AttributeDataType": "String", "Mutable": True,
                 "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
                {"Name": "role", "AttributeDataType": "String", "Mutable": True,
                 "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}},
            ],
        )["UserPool"]["Id"]
    client_name = f"{prefix}-api"
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == client_name), None)
    if client_id is None:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=client_name, GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=True,
            ReadAttributes=list(CLIENT_READ_ATTRIBUTES), WriteAttributes=list(CLIENT_WRITE_ATTRIBUTES),
            AccessTokenValidity=1, IdTokenValidity=1, RefreshTokenValidity=30,
            TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
        )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def create_bucket(s3: Any, prefix: str) -> str:
    """The bucket for model artifacts and exports."""
    name = f"{prefix}-artifacts"
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as error:
        if error_code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    return name


def create_impersonation_key(kms: Any, prefix: str) -> str:
    """The asymmetric key that signs impersonation tokens (as the CDK signing construct makes it), found
    again by its alias on a second run."""
    alias = f"alias/{prefix}-impersonation"
    try:
        return str(kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])
    except ClientError as error:
        if error_code(error) != "NotFoundException":
            raise
    key_id = str(kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY",
                                Description="SpotHive: signs short-lived impersonation tokens (RS256)",
                                )["KeyMetadata"]["KeyId"])
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return key_id


def issuer_for(region: str, pool_id: str) -> str:
    """The ``iss`` moto's Cognito puts in its tokens (the real Cognito form)."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def provision(endpoint_url: str, *, redis_url: str, prefix: str = "spothive", region: str = REGION,
              api_base_url: str = "http://127.0.0.1:8000", advisor_feed: str | None = None) -> Provisioned:
    """Create (or find) every resource in moto and return them with the environment to run against them."""
    result = Provisioned(endpoint_url=endpoint_url, region=region, prefix=prefix)
    result.tables = create_tables(client("dynamodb", endpoint_url, region), prefix)
    iam = client("iam", endpoint_url, region)
    lambda_role = role(iam, LAMBDA_ROLE, "lambda.amazonaws.com")
    states_role = role(iam, STATES_ROLE, "states.amazonaws.com")
    result.functions = create_functions(client("lambda", endpoint_url, region), lambda_role)
    result.state_machines = create_state_machines(client("stepfunctions", endpoint_url, region), states_role,
                                                  prefix, result.functions)
    sqs = client("sqs", endpoint_url, region)
    result.dead_letters = create_dead_letter_queues(sqs, prefix)
    queue_arns = {name: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                  for name, url in result.dead_letters.items()}
    attach_dead_letters(client("lambda", endpoint_url, region), queue_arns)
    result.rules = create_rules(client("events", endpoint_url, region), prefix, result.functions, queue_arns)
    idp = client("cognito-idp", endpoint_url, region)
    result.user_pool_id, result.client_id = create_user_pool(idp, prefix)
    result.bucket = create_bucket(client("s3", endpoint_url, region), prefix)
    result.impersonation_key_id = create_impersonation_key(client("kms", endpoint_url, region), prefix)
    account = lambda_role.split(":")[4]
    values = {
        "SPOTHIVE_REGION": region,
        "SPOTHIVE_TABLE_PREFIX": prefix,
        "SPOTHIVE_REDIS_URL": redis_url,
        "SPOTHIVE_HUB_ACCOUNT_ID": account,
        "SPOTHIVE_COGNITO_USER_POOL_ID": result.user_pool_id,
        "SPOTHIVE_COGNITO_CLIENT_ID": result.client_id,
        "SPOTHIVE_IMPERSONATION_KEY_ID": result.impersonation_key_id,
        # worker health reads the local runtime's counters (SPOTHIVE_RUN_TELEMETRY) and moto's executions
        "SPOTHIVE_HEALTH_FUNCTION_NAMES": json.dumps({s.function: s.function for s in topology.SCHEDULES}),
        "SPOTHIVE_HEALTH_STATE_MACHINE_ARNS": json.dumps(result.state_machines),
        "SPOTHIVE_HEALTH_DEAD_LETTER_URLS": json.dumps(result.dead_letters),
        # the local API serves the very template the CDK customer stack synthesizes
        "SPOTHIVE_CUSTOMER_TEMPLATE_URL": f"{api_base_url}/api/connect/template",
        "SPOTHIVE_CUSTOMER_ROLE_NAME": CUSTOMER_ROLE_NAME,
        # discovery scans the local region unless the caller's environment names others
        "SPOTHIVE_SCAN_REGIONS": os.environ.get("SPOTHIVE_SCAN_REGIONS") or region,
        "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": result.state_machines["optimization"],
        "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN": result.state_machines["live-switch"],
        "SPOTHIVE_DISCOVERY_FUNCTION_NAME": "worker-discovery",
        "SPOTHIVE_OPTIMIZE_FUNCTION_NAME": "worker-optimize",
        "SPOTHIVE_MODEL_FUNCTION_NAME": "model-endpoint",
        "SPOTHIVE_MODEL_BUCKET": result.bucket,
        "SPOTHIVE_DATA_BUCKET": result.bucket,
        "SPOTHIVE_EXPORTS_BUCKET": result.bucket,
        # moto has no Pricing API and placeholder spot prices: price from the built-in snapshot
        "SPOTHIVE_PRICE_SOURCE": "snapshot",
        # no API Gateway in front of the local API: the validator keeps its own 60 s wall clock
        "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS": "60",
        "SPOTHIVE_API_BASE_URL": api_base_url,
        # no API Gateway WebSocket stage: the local API holds the sockets (FastAPI) and reads the streams
        "SPOTHIVE_WEBSOCKET_ENDPOINT": "",
        # no SES sender: the weekly report is written to the mailbox folder (.spothive/mailbox)
        "SPOTHIVE_REPORT_SENDER": "",
        "SPOTHIVE_CONSOLE_URL": api_base_url,
        # how long a wave waits for Ready replacements and for drains (the agent reports both)
        "SPOTHIVE_EXECUTION_READY_TIMEOUT_SECONDS": "900",
        "SPOTHIVE_EXECUTION_DRAIN_TIMEOUT_SECONDS": "900",
    }
    # Only here, not on AWS: the emulator's endpoint, issuer and keys, and the offline advisor feed.
    local_only = {
        "AWS_ENDPOINT_URL": endpoint_url,
        "SPOTHIVE_RUN_TELEMETRY": "local",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "SPOTHIVE_COGNITO_ISSUER": issuer_for(region, result.user_pool_id),
        "SPOTHIVE_COGNITO_JWKS_URL": f"{endpoint_url}/{result.user_pool_id}/.well-known/jwks.json",
        **({"SPOTHIVE_ADVISOR_FEED": advisor_feed} if advisor_feed else {}),
        # the install command points at the checkout's chart (on AWS: the published OCI reference)
        **({"SPOTHIVE_AGENT_CHART": str(LOCAL_CHART)} if (LOCAL_CHART / "Chart.yaml").is_file() else {}),
        # What the CDK app gives every function (one service name here: all handlers share a process).
        "POWERTOOLS_SERVICE_NAME": "spothive-local",
        "POWERTOOLS_METRICS_NAMESPACE": "SpotHive",
        "LOG_LEVEL": "INFO",
    }
    result.function_env = {spec.name: {**local_only, **manifest_env(spec, values)} for spec in topology.ALL_FUNCTIONS}
    declared = sorted(topology.declared_settings())
    result.env = {**local_only, **{variable: values[variable] for variable in declared}}
    set_function_env(client("lambda", endpoint_url, region), result.function_env)
    LOG.info("provisioned %d tables, %d functions, %d state machines, %d rules in %s",
             len(result.tables), len(result.functions), len(result.state_machines), len(result.rules),
             endpoint_url)
    return result


def manifest_env(spec: topology.FunctionSpec, values: dict[str, str]) -> dict[str, str]:
    """The ``SPOTHIVE_*`` variables ``spec``'s manifest declares, with their local values."""
    missing = [variable for variable in spec.environment() if variable not in values]
    if missing:
        raise ValueError(f"{spec.name} declares settings the local stack has no value for: {missing}")
    return {variable: values[variable] for variable in spec.environment()}


def set_function_env(lam: Any, function_env: dict[str, dict[str, str]]) -> None:
    """Give each emulated Lambda function the environment its manifest declares."""
    for name, env in function_env.items():
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})


def empty_resources(provisioned: Provisioned, make_client: Any) -> None:
    """Delete every item, user and object of a provisioned stack, keeping the resources themselves."""
    ddb = make_client("dynamodb")
    for spec in schema.ALL_TABLES:
        name = provisioned.tables[spec.suffix]
        names = {f"#k{i}": key.name for i, key in enumerate(k for k in (spec.hash_key, spec.range_key) if k)}
        pages = ddb.get_paginator("scan").paginate(  # local clean-up only: the product never scans
            TableName=name, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names)
        for page in pages:
            for item in page["Items"]:
                ddb.delete_item(TableName=name, Key=item)
    idp = make_client("cognito-idp")
    for page in idp.get_paginator("list_users").paginate(UserPoolId=provisioned.user_pool_id):
        for user in page["Users"]:
            idp.admin_delete_user(UserPoolId=provisioned.user_pool_id, Username=user["Username"])
    drain_queues(make_client("sqs"), provisioned.dead_letters)
    s3 = make_client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=provisioned.bucket):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objects:
            s3.delete_objects(Bucket=provisioned.bucket, Delete={"Objects": objects})
