"""``GET /api/clusters/discover`` against the emulator: live clusters marked managed, known or new,
cached for a minute per org and account, and another tenant's account is a 404."""

from __future__ import annotations

import uuid

import pytest

from spothive.local.demo_customer import customer_session, seed_customer
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration


def test_discover_marks_each_live_cluster_and_caches_the_answer(hub: dict[str, str]) -> None:
    client = api()
    aws_id = str(uuid.uuid4().int)[:12].rjust(12, "3")
    prefix = uuid.uuid4().hex[:6]
    # Given an account with two clusters discovery has stored, one of them with a connected agent
    seed_customer(aws_id, cluster_name=f"{prefix}-agent", nodes=(("m5.large", "on-demand", "a"),), extra_standalone=0)
    customer = seed_customer(aws_id, cluster_name=f"{prefix}-plain", nodes=(("m5.large", "on-demand", "a"),),
                             extra_standalone=0)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.json()["status"] == "active", verified.text
    stored = {c["name"]: c["cluster_id"] for c in
              client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"]}
    install = client.post("/api/clusters/connect", headers=tenant.headers,
                          json={"cluster_id": stored[f"{prefix}-agent"]}).json()
    beat = client.post("/api/agent/heartbeat", headers={"Authorization": f"Bearer {install['token']}"})
    assert beat.status_code == 200, beat.text
    # And a third cluster created after the scan, whose node group runs 4 nodes
    eks = customer_session(aws_id).client("eks", region_name="us-east-1")
    eks.create_cluster(name=f"{prefix}-later", version="1.31", roleArn=f"arn:aws:iam::{aws_id}:role/eks-cluster",
                       resourcesVpcConfig={"subnetIds": []})
    eks.create_nodegroup(clusterName=f"{prefix}-later", nodegroupName="batch", subnets=[],
                         nodeRole=f"arn:aws:iam::{aws_id}:role/eks-node",
                         scalingConfig={"minSize": 1, "maxSize": 8, "desiredSize": 4})
    # When the Add dialog asks for the account's clusters
    found = client.get("/api/clusters/discover", headers=tenant.headers, params={"account_id": link["account_id"]})
    # Then every live cluster is listed with its state, node groups and node count
    assert found.status_code == 200, found.text
    body = found.json()
    states = {c["name"]: (c["state"], c["nodegroups"], c["node_count"]) for c in body["clusters"]}
    assert states[f"{prefix}-agent"][0] == "managed"
    assert states[f"{prefix}-plain"][0] == "known"
    assert states[f"{prefix}-later"] == ("new", ["batch"], 4)
    assert body["cached"] is False and "us-east-1" in body["regions"]
    assert {c["cluster_id"] for c in body["clusters"] if c["state"] != "new"} == set(stored.values())
    # When it asks again within the minute, after another cluster appeared
    eks.create_cluster(name=f"{prefix}-newest", version="1.31", roleArn=f"arn:aws:iam::{aws_id}:role/eks-cluster",
                       resourcesVpcConfig={"subnetIds": []})
    again = client.get("/api/clusters/discover", headers=tenant.headers,
                       params={"account_id": link["account_id"]}).json()
    # Then the cached answer is served (the newest cluster shows after the minute)
    assert again["cached"] is True
    assert {c["name"] for c in again["clusters"]} == set(states)


def test_another_tenants_account_and_a_missing_account_id_are_refused(hub: dict[str, str]) -> None:
    client = api()
    owner, stranger = signup(client), signup(client)
    link = client.post("/api/connect/link", headers=owner.headers).json()
    theirs = client.get("/api/clusters/discover", headers=stranger.headers, params={"account_id": link["account_id"]})
    unverified = client.get("/api/clusters/discover", headers=owner.headers, params={"account_id": link["account_id"]})
    missing = client.get("/api/clusters/discover", headers=owner.headers)
    assert theirs.status_code == 404 and theirs.json()["error"]["field"] == "account_id"
    assert unverified.status_code == 409 and unverified.json()["error"]["field"] == "account_id"
    assert missing.status_code == 422 and "account_id" in missing.text
