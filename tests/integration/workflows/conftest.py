"""One embedded stack (moto with Step Functions, real Redis) for the workflow tests, and a linked tenant."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from spothive import wiring
from spothive.local.demo_customer import seed_customer
from spothive.local.runtime import LocalConfig, LocalStack
from spothive.services.risk_heuristic import FallbackRiskModel
from tests.integration.slice.helpers import Tenant, api, signup
from tests.support.wired import wired

#: Two On-Demand m5.xlarge nodes (Spot candidates) and one Spot node.
NODES = (("m5.xlarge", "on-demand", "a"), ("m5.xlarge", "on-demand", "b"), ("c6g.xlarge", "spot", "a"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """moto + Redis with every SpotHive resource provisioned; the container rebuilt against them."""
    overrides = {"SPOTHIVE_RATE_LIMITS_ENABLED": "false"}
    saved = {k: os.environ.get(k) for k in (*overrides, "SPOTHIVE_DISCOVERY_FUNCTION_NAME")}
    os.environ.update(overrides)
    with LocalStack(LocalConfig.ephemeral(tmp_path_factory.mktemp("spothive-opt"))) as local:
        # discovery inline at verification, so the cluster is known when verify returns
        os.environ["SPOTHIVE_DISCOVERY_FUNCTION_NAME"] = ""
        wiring.reset()
        # the heuristic scores from the advisor bucket alone, so the decisions here do not depend on which
        # model artifact is installed: m5.xlarge (bucket 0) → 0.10, below the 0.2 threshold
        wired().pin("risk_model", FallbackRiskModel(None))
        yield local
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    wiring.reset()


@dataclass
class Linked:
    tenant: Tenant
    cluster_id: str
    node_ids: list[str]


@pytest.fixture
def cache(stack: LocalStack) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(stack.redis_url, decode_responses=True) as client:
        yield client


@pytest.fixture
def client(stack: LocalStack):  # type: ignore[no-untyped-def]
    return api()


@pytest.fixture
def linked(stack: LocalStack, client) -> Linked:  # type: ignore[no-untyped-def]
    """A fresh tenant whose verified account holds one EKS cluster of ``NODES``."""
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    customer = seed_customer(account, cluster_name=f"c-{uuid.uuid4().hex[:6]}", nodes=NODES, extra_standalone=0)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.status_code == 200, verified.text
    clusters = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"]
    assert len(clusters) == 1
    return Linked(tenant, clusters[0]["cluster_id"], customer.instance_ids)
