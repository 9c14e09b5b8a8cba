"""CloudWatch utilization against the emulator: one GetMetricData call per 500 instances, the scan
merging samples into histograms, and the right-sizing they give in the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from spothive.adapters.aws.inventory import AssumedSession
from spothive.local.demo_customer import customer_session, seed_customer
from spothive.wiring import inventory
from tests.integration.slice.helpers import api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def test_get_metric_data_is_called_once_per_500_instances(hub: dict[str, str]) -> None:
    # Given a session whose GetMetricData calls are counted
    session = boto3.session.Session()
    calls: list[int] = []
    session.events.register("before-parameter-build.cloudwatch.GetMetricData",
                            lambda params, **_: calls.append(len(params["MetricDataQueries"])))
    ids = [f"i-{n:017x}" for n in range(1201)]
    now = datetime.now(UTC)
    # When the CPU of 1201 instances is read
    found = AssumedSession(session).cpu_utilization("us-east-1", ids, now - timedelta(hours=1), now)
    # Then three calls carried 500, 500 and 201 queries, and every instance has an answer
    assert calls == [500, 500, 201]
    assert len(found) == 1201 and found[ids[0]] == []


def test_a_scan_reads_cloudwatch_and_the_api_recommends_a_smaller_size(hub: dict[str, str]) -> None:
    client = api()
    aws_id = str(uuid.uuid4().int)[:12].rjust(12, "4")
    customer = seed_customer(aws_id, cluster_name=f"cw-{uuid.uuid4().hex[:6]}", nodes=(("m5.large", "on-demand", "a"),),
                             extra_standalone=0)
    session = customer_session(aws_id)
    ec2: Any = session.client("ec2", region_name="us-east-1")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    instance_id = ec2.run_instances(ImageId="ami-0c02fb55956c7d316", MinCount=1, MaxCount=1,
                                    InstanceType="m5.xlarge", SubnetId=subnet)["Instances"][0]["InstanceId"]
    # Given two hours of 5-minute CPU averages: 23 at 27 % and one spike at 80 %
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 5)
    cw: Any = session.client("cloudwatch", region_name="us-east-1")
    cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{
        "MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
        "Timestamp": end - timedelta(minutes=5 * n), "Value": 80.0 if n == 3 else 27.0, "Unit": "Percent",
    } for n in range(1, 25)])
    # When the account is linked (verification runs the first scan)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.json()["status"] == "active", verified.text
    # Then the stand-alone instance has its 24 samples kept
    [key] = [s.instance.instance_key for s in wired().inventory.list_instances(tenant.org_id)
             if s.instance.instance_id == instance_id]
    histogram = inventory.utilization().get_many(tenant.org_id, [key])[key]
    assert histogram.samples == 24 and histogram.totals()[5] == 23 and histogram.totals()[16] == 1
    # And the API recommends m5.large: 4 vCPU x 30 % / 70 % = 1.714 vCPU, $0.096 instead of $0.192
    got = client.get(f"/api/instances/{instance_id}/rightsizing", headers=tenant.headers)
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["current"], body["target"], body["p95_cpu_percent"], body["needed_vcpu"]) == (
        "m5.xlarge", "m5.large", 30.0, 1.714)
    assert (body["monthly_saving"], body["confidence"], body["confident"]) == (70.08, 0.006, False)
    # And a rescan adds only samples it has not counted
    wired().discovery.scan_one(tenant.org_id, link["account_id"])
    assert inventory.utilization().get_many(tenant.org_id, [key])[key].samples == 24
    # And another tenant cannot read it, and a malformed id is a 422
    stranger = signup(client)
    assert client.get(f"/api/instances/{instance_id}/rightsizing", headers=stranger.headers).status_code == 404
    assert client.get("/api/instances/bogus/rightsizing", headers=tenant.headers).status_code == 422
