"""Link, verify, discovery and the cluster list, end to end in the emulator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import boto3
import pytest

from spothive.adapters.aws import clients
from spothive.adapters.aws.inventory import StsCloudAccess
from spothive.domain.errors import DependencyFailed
from spothive.domain.tenancy import AccountStatus
from spothive.local.demo_customer import DEMO_NODES, seed_customer
from spothive.services.discovery import DiscoveryService
from spothive.wiring import registry
from tests.integration.slice.helpers import Tenant, api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def _aws_account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def _link_and_verify(client, tenant: Tenant, role_arn: str) -> dict:  # type: ignore[no-untyped-def]
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    response = client.post(
        "/api/connect/verify", headers=tenant.headers, json={"account_id": link["account_id"], "role_arn": role_arn}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_link_issues_a_unique_external_id_and_quick_create_url(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    first = client.post("/api/connect/link", headers=tenant.headers).json()
    second = client.post("/api/connect/link", headers=tenant.headers).json()
    assert first["account_id"] == tenant.account_id  # the placeholder made at sign-up is reused
    assert first["external_id"] != second["external_id"]
    uuid.UUID(first["external_id"])
    assert f"param_ExternalId={second['external_id']}" in second["cloudformation_url"]
    assert "param_HubAccountId=123456789012" in second["cloudformation_url"]
    stored = boto3.resource("dynamodb", region_name="us-east-1").Table("it-accounts").get_item(
        Key={"org_id": tenant.org_id, "account_id": tenant.account_id})["Item"]
    assert stored["external_id"] == second["external_id"]
    assert stored["status"] == "pending"


def test_verify_scans_and_lists_the_cluster(hub: dict[str, str]) -> None:
    # Given a customer account with a 20-node EKS cluster and two stand-alone instances
    aws_id = _aws_account()
    customer = seed_customer(aws_id, cluster_name="prod-east")
    client = api()
    tenant = signup(client)
    # When the customer links and verifies the role
    verified = _link_and_verify(client, tenant, customer.role_arn)
    # Then the first scan ran and the account is active, with the AWS account id parsed from the ARN
    assert verified["status"] == "active"
    assert verified["aws_account_id"] == aws_id
    assert verified["last_scan_at"] is not None
    me = client.get("/api/auth/me", headers=tenant.headers).json()
    assert me["redirect_path"] == "/dashboard"
    # And the cluster is listed with its nodes by capacity type and instance type
    clusters = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"]
    assert [c["name"] for c in clusters] == ["prod-east"]
    cluster = clusters[0]
    assert cluster["nodes"] == len(DEMO_NODES) == 20
    assert cluster["spot_nodes"] == 5
    assert cluster["on_demand_nodes"] == 15
    assert cluster["instance_types"]["m5.xlarge"] == 6
    assert cluster["nodegroups"] == ["general"]
    assert cluster["region"] == "us-east-1"
    # And the stand-alone instances were stored too, outside any cluster
    instances = boto3.resource("dynamodb", region_name="us-east-1").Table("it-instances").query(
        KeyConditionExpression="org_id = :o", ExpressionAttributeValues={":o": tenant.org_id})["Items"]
    assert len(instances) == 22
    assert sum(1 for i in instances if "cluster_id" not in i or i["cluster_id"] is None) == 2


def test_another_org_never_sees_the_cluster(hub: dict[str, str]) -> None:
    customer = seed_customer(_aws_account(), cluster_name="secret")
    client = api()
    owner, other = signup(client), signup(client)
    _link_and_verify(client, owner, customer.role_arn)
    cluster_id = client.get("/api/client/clusters", headers=owner.headers).json()["clusters"][0]["cluster_id"]
    assert client.get(f"/api/clusters/{cluster_id}", headers=owner.headers).status_code == 200
    assert client.get("/api/client/clusters", headers=other.headers).json() == {"clusters": []}
    assert client.get(f"/api/clusters/{cluster_id}", headers=other.headers).status_code == 404
    stolen = client.post(
        "/api/connect/verify", headers=other.headers,
        json={"account_id": owner.account_id, "role_arn": customer.role_arn},
    )
    assert stolen.status_code == 404
    assert client.get("/api/connect/accounts", headers=other.headers).json()[0]["status"] == "pending"


def test_verify_rejects_bad_input_without_changing_anything(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    client.post("/api/connect/link", headers=tenant.headers)
    bad_arn = client.post(
        "/api/connect/verify", headers=tenant.headers,
        json={"account_id": tenant.account_id, "role_arn": "arn:aws:iam::12:role/x-but-long-enough"},
    )
    assert bad_arn.status_code == 422
    assert bad_arn.json()["error"]["field"] == "role_arn"
    missing = client.post("/api/connect/verify", headers=tenant.headers, json={"role_arn": "x" * 30})
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "account_id"
    assert client.get("/api/connect/accounts", headers=tenant.headers).json()[0]["status"] == "pending"
    assert client.post("/api/connect/link").status_code == 401


def test_verify_before_link_is_409(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    response = client.post(
        "/api/connect/verify", headers=tenant.headers,
        json={"account_id": tenant.account_id, "role_arn": "arn:aws:iam::210987654321:role/SpotHiveAccess"},
    )
    assert response.status_code == 409


class _FailsFor:
    """STS that refuses one role ARN, as AWS does when the trust policy or External ID is wrong."""

    def __init__(self, inner: StsCloudAccess, refused: str) -> None:
        self._inner, self._refused = inner, refused

    def assume(self, role_arn: str, external_id: str, session_name: str):  # type: ignore[no-untyped-def]
        if role_arn == self._refused:
            raise DependencyFailed(f"could not assume {role_arn}: AccessDenied", field="role_arn")
        return self._inner.assume(role_arn, external_id, session_name)


def test_discovery_records_an_unassumable_account_and_continues(isolated_tables: str) -> None:
    client = api()
    good_customer, bad_customer = seed_customer(_aws_account()), seed_customer(_aws_account())
    good, bad = signup(client), signup(client)
    _link_and_verify(client, good, good_customer.role_arn)
    _link_and_verify(client, bad, bad_customer.role_arn)
    services = wired()
    # the bad customer deletes the role: from now on AssumeRole is refused
    discovery = DiscoveryService(
        services.tenancy, services.inventory, _FailsFor(StsCloudAccess("us-east-1"), bad_customer.role_arn),
        services.clock, ["us-east-1"],
    )
    summary = discovery.scan_all()
    by_account = {s.account_id: s for s in summary.scans}
    assert by_account[bad.account_id].status == "failed"
    assert "AccessDenied" in (by_account[bad.account_id].error or "")
    assert by_account[good.account_id].status == "succeeded"
    assert by_account[good.account_id].instances == 22
    assert services.tenancy.get_account(bad.org_id, bad.account_id).status == AccountStatus.FAILED  # type: ignore[union-attr]
    assert services.inventory.last_scan(bad.account_id).status == "failed"  # type: ignore[union-attr]
    assert services.tenancy.get_account(good.org_id, good.account_id).status == AccountStatus.ACTIVE  # type: ignore[union-attr]


def test_discovery_pages_through_results_and_diffs_against_stored_state(hub: dict[str, str]) -> None:
    customer = seed_customer(_aws_account(), cluster_name="paged")
    client = api()
    tenant = signup(client)
    _link_and_verify(client, tenant, customer.role_arn)
    services = wired()
    # when two nodes are terminated and the scan pages 3 instances at a time
    ec2 = _customer_ec2(customer.aws_account_id)
    ec2.terminate_instances(InstanceIds=customer.instance_ids[:2])
    discovery = DiscoveryService(
        services.tenancy, services.inventory, StsCloudAccess("us-east-1", page_size=5), services.clock, ["us-east-1"]
    )
    account = services.tenancy.get_account(tenant.org_id, tenant.account_id)
    assert account is not None
    record = discovery.scan(account)
    assert record.status == "succeeded"
    assert (record.instances, record.removed, record.added) == (20, 2, 0)
    cluster = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"][0]
    assert cluster["nodes"] == 18


def test_discovery_retries_through_throttling(hub: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    customer = seed_customer(_aws_account(), cluster_name="throttled")
    client = api()
    tenant = signup(client)
    _link_and_verify(client, tenant, customer.role_arn)
    throttled: list[str] = []
    real_client = clients.client

    def throttling_client(service: str, region: str, session=None, **kwargs):  # type: ignore[no-untyped-def]
        made = real_client(service, region, session, **kwargs)
        if service == "ec2":
            def throttle(request, **_):  # type: ignore[no-untyped-def]
                from botocore.awsrequest import AWSResponse

                if len(throttled) < 2:
                    throttled.append(request.url)
                    body = (b'<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
                            b'<Message>Rate exceeded</Message></Error></Errors></Response>')
                    return AWSResponse(request.url, 503, {}, _Raw(body))
                return None
            made.meta.events.register("before-send.ec2.DescribeInstances", throttle)
        return made

    monkeypatch.setattr("spothive.adapters.aws.inventory.client", throttling_client)
    services = wired()
    account = services.tenancy.get_account(tenant.org_id, tenant.account_id)
    assert account is not None
    record = DiscoveryService(
        services.tenancy, services.inventory, StsCloudAccess("us-east-1"), services.clock, ["us-east-1"]
    ).scan(account)
    assert len(throttled) == 2
    assert record.status == "succeeded" and record.instances == 22


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object):  # type: ignore[no-untyped-def]
        yield self._body

    def read(self) -> bytes:
        return self._body


def _customer_ec2(aws_account_id: str):  # type: ignore[no-untyped-def]
    from spothive.local.demo_customer import customer_session

    return customer_session(aws_account_id).client("ec2", region_name="us-east-1")


def test_scan_timestamps_are_utc(hub: dict[str, str]) -> None:
    record_time = wired().clock.now()
    assert record_time.tzinfo is UTC
    assert record_time <= datetime.now(UTC)


def test_verify_moves_pending_to_scanning_before_discovery_makes_it_active(hub: dict[str, str]) -> None:
    customer = seed_customer(_aws_account(), cluster_name="ordered")
    client = api()
    tenant = signup(client)
    services = wired()
    seen: list[str] = []

    class _Recording:
        def scan_account(self, org_id: str, account_id: str) -> None:
            seen.append(services.tenancy.get_account(org_id, account_id).status.value)  # type: ignore[union-attr]
            services.discovery.scan_one(org_id, account_id)
            seen.append(services.tenancy.get_account(org_id, account_id).status.value)  # type: ignore[union-attr]

    saved = registry.overrides()
    services.pin("discovery_trigger", _Recording())
    try:
        body = _link_and_verify(client, tenant, customer.role_arn)
    finally:
        registry.restore_overrides(saved)
    assert seen == ["scanning", "active"]
    assert body["status"] == "active"
