"""``MarketSource`` on the EC2 API: GetSpotPlacementScores per AZ and DescribeSpotPriceHistory, paginated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from botocore.config import Config

from spothive.adapters.aws.clients import client
from spothive.domain.market_signals import PlacementConfiguration, PlacementScore, SpotPricePoint

#: Observations are taken every 6 h and are not urgent: a refused request is retried a little, then skipped.
PATIENCE = Config(retries={"mode": "adaptive", "max_attempts": 3}, connect_timeout=5, read_timeout=30)


class Ec2MarketSource:
    """Reads the market from the hub's own account (scores and prices are the same for every caller)."""

    def __init__(self, region: str, ec2: Any | None = None) -> None:
        self._region = region
        self._ec2 = ec2

    def _client(self, region: str) -> Any:
        return self._ec2 if self._ec2 is not None else client("ec2", region, config=PATIENCE)

    def placement_scores(self, configuration: PlacementConfiguration, regions: Sequence[str]) -> list[PlacementScore]:
        pages = self._client(self._region).get_paginator("get_spot_placement_scores").paginate(
            InstanceTypes=list(configuration.instance_types), TargetCapacity=configuration.target_capacity,
            TargetCapacityUnitType="units", SingleAvailabilityZone=True, RegionNames=list(regions),
        )
        return [
            PlacementScore(configuration.name, row["Region"], row.get("AvailabilityZoneId"), int(row["Score"]))
            for page in pages for row in page.get("SpotPlacementScores", [])
        ]

    def spot_price_history(self, region: str, since: datetime) -> Iterator[SpotPricePoint]:
        pages = self._client(region).get_paginator("describe_spot_price_history").paginate(
            ProductDescriptions=["Linux/UNIX"], StartTime=since,
        )
        for page in pages:
            for row in page.get("SpotPriceHistory", []):
                yield SpotPricePoint(row["InstanceType"], row["AvailabilityZone"], row["Timestamp"],
                                     float(row["SpotPrice"]))
