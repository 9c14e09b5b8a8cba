"""AWS PriceFeed: EC2 DescribeInstanceTypes, DescribeSpotPriceHistory, Pricing API (us-east-1)."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config

from spothive.adapters.aws.clients import Session
from spothive.domain.catalog import AdvisorEntry, InstanceType, parse_spot_advisor_json

RETRY_CONFIG = Config(retries={"max_attempts": 10, "mode": "adaptive"})
SPOT_ADVISOR_URL = "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json"
#: Region name → the location string the Pricing API uses.
PRICING_LOCATIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-north-1": "EU (Stockholm)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ca-central-1": "Canada (Central)",
    "sa-east-1": "South America (Sao Paulo)",
}


def parse_price_list_item(item: str | Mapping[str, Any]) -> tuple[str, float] | None:
    """(instance type, hourly USD) from one Pricing GetProducts PriceList entry, None if it has no price."""
    doc = json.loads(item) if isinstance(item, str) else item
    name = doc.get("product", {}).get("attributes", {}).get("instanceType")
    for term in doc.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if name and usd is not None and float(usd) > 0:
                return str(name), float(usd)
    return None


def instance_type_from_api(item: Mapping[str, Any]) -> InstanceType:
    """InstanceType from a DescribeInstanceTypes entry (allocatable by the EKS formula)."""
    arch = item.get("ProcessorInfo", {}).get("SupportedArchitectures", ["x86_64"])
    gpu_info = item.get("GpuInfo", {}).get("Gpus", [])
    gpus = sum(g.get("Count", 0) for g in gpu_info)
    accelerator = "nvidia.com/gpu" if gpus else ""
    if gpus and all(str(g.get("Manufacturer", "")).upper() == "AMD" for g in gpu_info):
        accelerator = "amd.com/gpu"
    neuron = item.get("NeuronInfo", {}).get("NeuronDevices", [])
    if not gpus and neuron:
        gpus, accelerator = sum(d.get("Count", 0) for d in neuron), "aws.amazon.com/neuron"
    net = item.get("NetworkInfo", {})
    enis, ips = net.get("MaximumNetworkInterfaces"), net.get("Ipv4AddressesPerInterface")
    max_pods = enis * (ips - 1) + 2 if enis and ips else None
    return InstanceType.build(
        item["InstanceType"],
        int(item["VCpuInfo"]["DefaultVCpus"]),
        int(item["MemoryInfo"]["SizeInMiB"]),
        arch="arm64" if "arm64" in arch else "amd64",
        gpus=gpus,
        max_pods=max_pods,
        accelerator=accelerator,
    )


class AwsPriceFeed:
    """Live prices from AWS; every client honours ``AWS_ENDPOINT_URL`` and retries adaptively."""

    def __init__(
        self, region: str = "us-east-1", session: Any = None, advisor_url: str = SPOT_ADVISOR_URL
    ) -> None:
        self.region = region
        self.session = session or Session()
        self.advisor_url = advisor_url
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        self.ec2 = self.session.client("ec2", region_name=region, config=RETRY_CONFIG, endpoint_url=endpoint)
        self.pricing = self.session.client(
            "pricing", region_name="us-east-1", config=RETRY_CONFIG, endpoint_url=endpoint
        )

    def instance_types(self) -> list[InstanceType]:
        """Every instance type the region offers."""
        out: list[InstanceType] = []
        for page in self.ec2.get_paginator("describe_instance_types").paginate():
            out.extend(instance_type_from_api(item) for item in page["InstanceTypes"])
        return out

    def on_demand_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[str, float]:
        """Linux, shared tenancy, no pre-installed software on-demand prices of this region from the Pricing API
        (queried in us-east-1, filtered by the region's location)."""
        location = PRICING_LOCATIONS.get(self.region, self.region)
        filters = [
            {"Type": "TERM_MATCH", "Field": field, "Value": value}
            for field, value in (
                ("location", location),
                ("operatingSystem", "Linux"),
                ("tenancy", "Shared"),
                ("preInstalledSw", "NA"),
                ("capacitystatus", "Used"),
            )
        ]
        wanted = set(instance_types) if instance_types is not None else None
        prices: dict[str, float] = {}
        paginator = self.pricing.get_paginator("get_products")
        for page in paginator.paginate(ServiceCode="AmazonEC2", Filters=filters):
            for item in page.get("PriceList", []):
                parsed = parse_price_list_item(item)
                if parsed and (wanted is None or parsed[0] in wanted):
                    prices[parsed[0]] = parsed[1]
        return prices

    def spot_prices(self, instance_types: Iterable[str] | None = None) -> Mapping[tuple[str, str], float]:
        """Latest Linux spot price per (type, zone) over the last hour."""
        kwargs: dict[str, Any] = {
            "ProductDescriptions": ["Linux/UNIX"],
            "StartTime": datetime.now(UTC) - timedelta(hours=1),
        }
        if instance_types is not None:
            kwargs["InstanceTypes"] = list(instance_types)
        latest: dict[tuple[str, str], tuple[datetime, float]] = {}
        for page in self.ec2.get_paginator("describe_spot_price_history").paginate(**kwargs):
            for row in page["SpotPriceHistory"]:
                key = (row["InstanceType"], row["AvailabilityZone"])
                stamp = row["Timestamp"]
                if key not in latest or stamp > latest[key][0]:
                    latest[key] = (stamp, float(row["SpotPrice"]))
        return {k: v for k, (_, v) in latest.items()}

    def advisor_buckets(self) -> Mapping[str, AdvisorEntry]:
        """The public Spot Advisor feed for this region (Linux)."""
        with urllib.request.urlopen(self.advisor_url, timeout=30) as resp:  # noqa: S310 - fixed https URL
            return parse_spot_advisor_json(resp.read().decode("utf-8"), region=self.region)
