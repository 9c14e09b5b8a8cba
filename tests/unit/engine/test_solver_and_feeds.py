"""HiGHS solver adapter, MILP refinement, and the price feeds (memory, and AWS Pricing via a Stubber)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from spothive.adapters.aws.price_feed import AwsPriceFeed, parse_price_list_item
from spothive.adapters.memory.price_feed import SnapshotPriceFeed
from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.packing.milp import MilpModel
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

PRICE_ITEM = {
    "product": {"attributes": {"instanceType": "m5.large", "operatingSystem": "Linux"}},
    "terms": {
        "OnDemand": {
            "X.Y": {"priceDimensions": {"X.Y.Z": {"unit": "Hrs", "pricePerUnit": {"USD": "0.0960000000"}}}}
        }
    },
}


def test_highs_solves_a_tiny_knapsack() -> None:
    # max 3a + 2b s.t. a + b <= 1 (as min of negatives), binaries
    model = MilpModel([-3.0, -2.0], [0.0, 0.0], [1.0, 1.0], [True, True], [([0, 1], [1.0, 1.0], 0.0, 1.0)])
    result = HighsSolver().solve(model, 5.0, warm_start=[0.0, 1.0])
    assert result.status == "optimal"
    assert result.objective == pytest.approx(-3.0)
    assert [round(v) for v in result.values] == [1, 0]


def test_milp_refinement_keeps_plan_valid() -> None:
    snap = snapshot_from_dict(
        {
            "nodes": [node("a"), node("b"), node("c", "m5.large")],
            "pods": [pod("p1", "a", cpu=1500), pod("p2", "b", cpu=1500), pod("p3", "c", cpu=900)],
        }
    )
    policy = policy_from_dict({"aggressiveness": 80, "spot_allowed": False, "solver": {"time_limit_s": 5}})
    plan = plan_consolidation(snap, tiny_catalog(), policy, solver=HighsSolver())
    assert validate_plan(snap, tiny_catalog(), plan.to_dict(), policy) == []
    assert plan.cost_after_per_hour == pytest.approx(0.20)  # one m5.xlarge holds 3.9 vCPU


def test_snapshot_feed_serves_builtin_prices() -> None:
    feed = SnapshotPriceFeed()
    assert feed.on_demand_prices(["m5.large"]) == {"m5.large": 0.096}
    assert all(t == "c6g.large" for t, _ in feed.spot_prices(["c6g.large"]))
    assert feed.advisor_buckets()["m5.large"].bucket == 1


def test_price_list_item_parsing() -> None:
    assert parse_price_list_item(json.dumps(PRICE_ITEM)) == ("m5.large", 0.096)
    assert parse_price_list_item({"product": {}, "terms": {}}) is None


def test_aws_feed_pricing_via_stubber(monkeypatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    feed = AwsPriceFeed(session=session)
    with Stubber(feed.pricing) as stub:
        stub.add_response("get_products", {"PriceList": [json.dumps(PRICE_ITEM)], "FormatVersion": "aws_v1"})
        assert feed.on_demand_prices() == {"m5.large": 0.096}
