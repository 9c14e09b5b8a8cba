"""A cluster in eu-west-1 is priced with eu-west-1's hot prices; once they are older than the freshness TTL the
KPIs and the projection say so and carry the last known prices + 10 %."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance
from spothive.domain.price_freshness import RegionPrices
from spothive.wiring import pricing
from tests.integration.slice.helpers import api, signup
from tests.support.fakes import FixedClock
from tests.support.wired import wired

pytestmark = pytest.mark.integration

REGION = "eu-west-1"


def test_an_eu_west_1_cluster_is_priced_in_eu_west_1_and_marked_estimated_after_the_ttl(
        hub: dict[str, str]) -> None:
    # Given a tenant's eu-west-1 cluster of two m5.xlarge On-Demand nodes, on a clock the test moves
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    wired().pin("clock", clock)
    client = api()
    tenant = signup(client)
    seen = clock.now()
    cluster = DiscoveredCluster(tenant.account_id, REGION, "dublin", "arn:aws:eks:eu-west-1:1:cluster/dublin",
                                "1.30", "ACTIVE")
    nodes = [DiscoveredInstance(tenant.account_id, REGION, f"i-{n}", "m5.xlarge", f"{REGION}{z}", "on-demand",
                                "running", seen, "dublin") for n, z in ((1, "a"), (2, "b"))]
    wired().inventory.upsert_clusters(tenant.org_id, [cluster], {cluster.cluster_id: 2}, seen)
    wired().inventory.upsert_instances(tenant.org_id, nodes, seen)
    # And eu-west-1 prices fetched just now (us-east-1's snapshot has m5.xlarge at 0.192 On-Demand)
    pricing.hot_prices().store(RegionPrices(REGION, {"m5.xlarge": 0.214},
                                            {("m5.xlarge", f"{REGION}a"): 0.081, ("m5.xlarge", f"{REGION}b"): 0.079},
                                            seen))

    # When the KPIs and the projection are read while the prices are fresh
    kpi = client.get("/api/metrics/kpi", headers=tenant.headers).json()
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster.cluster_id}", headers=tenant.headers).json()

    # Then both nodes are priced at eu-west-1's 0.214 and nothing is estimated
    assert kpi["monthly_spend"] == 312.44  # 2 x 0.214 x 730
    assert (kpi["prices_estimated"], datetime.fromisoformat(kpi["prices_as_of"])) == (False, seen)
    assert chart["unoptimized"] == 312.44
    assert chart["optimized"] == 115.34  # both to Spot in eu-west-1b at 0.079: 2 x 0.079 x 730
    assert chart["prices_estimated"] is False

    # When the refresher has not run for 16 minutes (past the 15-minute freshness TTL)
    clock.value = seen + timedelta(minutes=16)
    kpi = client.get("/api/metrics/kpi", headers=tenant.headers).json()
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster.cluster_id}", headers=tenant.headers).json()

    # Then the last known prices + 10 % are used, and both responses say they are estimated, as of the fetch
    assert kpi["monthly_spend"] == 343.68  # 2 x 0.2354 x 730
    assert (kpi["prices_estimated"], datetime.fromisoformat(kpi["prices_as_of"])) == (True, seen)
    assert chart["unoptimized"] == 343.68
    assert chart["optimized"] == 126.87  # 2 x 0.0869 x 730
    assert chart["prices_estimated"] is True
