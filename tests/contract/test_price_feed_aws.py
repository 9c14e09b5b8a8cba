"""The AWS price feed against moto's EC2 (instance types and spot price history)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from spothive.adapters.aws.price_feed import AwsPriceFeed


@mock_aws
def test_aws_feed_instance_types_and_spot_history_with_moto(monkeypatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    feed = AwsPriceFeed(session=boto3.session.Session(region_name="us-east-1"))
    types = {t.name: t for t in feed.instance_types()}
    assert types["m5.large"].vcpu == 2 and types["m5.large"].memory_mib == 8192
    assert types["m5.large"].max_pods == 29  # 3 ENIs x (10 - 1) + 2
    prices = feed.spot_prices(["m5.large"])
    assert prices and all(t == "m5.large" and p > 0 for (t, _), p in prices.items())
