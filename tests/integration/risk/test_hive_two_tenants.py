"""The hive mind against a real Redis: tenant A's interruption reshapes tenant B's ranking."""

from __future__ import annotations

import queue
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis

from functions import worker_spot_events
from spothive.adapters.cache.risk_tracker import RedisRiskTracker, RiskEventListener
from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo
from spothive.adapters.system_clock import SystemClock
from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.inventory import DiscoveredInstance
from spothive.domain.risk_signals import INTERRUPTION_DETAIL, FlagLevel, PoolFlag
from spothive.domain.spot import PodRequirements
from spothive.domain.tenancy import AccountStatus
from spothive.services.hive_mind import HiveMind, candidate_pools
from tests.integration.slice.helpers import api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def _catalog() -> Catalog:
    types = {
        "c5.xlarge": InstanceType.build("c5.xlarge", 4, 8192, max_pods=58, ondemand_price=0.17),
        "m5.large": InstanceType.build("m5.large", 2, 8192, max_pods=29, ondemand_price=0.096),
    }
    spots = {("c5.xlarge", "us-east-1a"): 0.050, ("c5.xlarge", "us-east-1b"): 0.060,
             ("m5.large", "us-east-1a"): 0.070, ("m5.large", "us-east-1b"): 0.065}
    return Catalog(types=types, spot_prices=spots, zones=("us-east-1a", "us-east-1b"))


def _event(aws_account: str, instance_id: str) -> dict:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": INTERRUPTION_DETAIL, "source": "aws.ec2",
        "account": aws_account, "time": datetime.now(UTC).isoformat(), "region": "us-east-1",
        "resources": [f"arn:aws:ec2:us-east-1:instance/{instance_id}"],  # no AZ: the inventory knows it
        "detail": {"instance-id": instance_id, "instance-action": "terminate"},
    }


def _link(org_id: str, account_id: str, aws_account: str) -> None:
    services = wired()
    account = services.tenancy.get_account(org_id, account_id)
    assert account is not None
    services.tenancy.save_account(replace(account, status=AccountStatus.ACTIVE, aws_account_id=aws_account))


def test_tenant_a_interruption_changes_tenant_b_ranking(hub: dict[str, str], redis_url: str) -> None:
    # Given two tenants; A runs a spot c5.xlarge in us-east-1a that discovery stored
    client = api()
    tenant_a, tenant_b = signup(client, "Tenant A"), signup(client, "Tenant B")
    assert tenant_b.org_id != tenant_a.org_id
    aws_a = str(uuid.uuid4().int)[:12]
    instance_id = "i-0" + uuid.uuid4().hex[:16]
    _link(tenant_a.org_id, tenant_a.account_id, aws_a)
    DynamoInventoryRepo().upsert_instances(tenant_a.org_id, [DiscoveredInstance(
        tenant_a.account_id, "us-east-1", instance_id, "c5.xlarge", "us-east-1a", "spot", "running",
        None, None)], datetime.now(UTC))
    # And B's warm consumer listens on risk:events, and B's ranking prefers that very pool
    catalog, req = _catalog(), PodRequirements(cpu_m=1000, memory_mib=2048, replicas=3)
    b_hive = HiveMind(RedisRiskTracker(redis.Redis.from_url(redis_url, decode_responses=True)), SystemClock())
    received: queue.Queue[tuple[float, PoolFlag]] = queue.Queue()
    listener = RiskEventListener(redis.Redis.from_url(redis_url, decode_responses=True),
                                 lambda f: received.put((time.perf_counter(), f))).start()
    try:
        before = b_hive.rank(req, catalog, {})
        assert (before.pools[0].instance_type, before.pools[0].zone) == ("c5.xlarge", "us-east-1a")
        # When A's interruption warning arrives
        sent = time.perf_counter()
        outcome = worker_spot_events.handler(_event(aws_a, instance_id))
        # Then the pool is flagged DANGER, anonymously
        assert outcome["status"] == "flagged"
        assert outcome["flag"] == {"pool": "us-east-1a:c5.xlarge", "zone": "us-east-1a",
                                   "instance_type": "c5.xlarge", "level": "DANGER", "count": 1,
                                   "last_seen": outcome["flag"]["last_seen"]}
        # And B's consumer receives the event
        at, flag = received.get(timeout=5)
        assert (flag.zone, flag.instance_type, flag.level, flag.count) == ("us-east-1a", "c5.xlarge",
                                                                         FlagLevel.DANGER, 1)
        print(f"\nflag propagation A → B consumer: {(at - sent) * 1000:.2f} ms (handler included)")
        # And B's next ranking leaves the pool out: same type in the other AZ first
        after = b_hive.rank(req, catalog, {})
        assert "RISK:us-east-1a:c5.xlarge" in after.flags and not after.degraded
        assert ("c5.xlarge", "us-east-1a") not in [(p.instance_type, p.zone) for p in after.pools]
        assert (after.pools[0].instance_type, after.pools[0].zone) == ("c5.xlarge", "us-east-1b")
        # And nothing in Redis names tenant A
        raw = redis.Redis.from_url(redis_url, decode_responses=True)
        stored = " ".join(str(raw.get(k)) for k in ("RISK:us-east-1a:c5.xlarge", "RISKMETA:us-east-1a:c5.xlarge"))
        stored += " ".join(raw.zrange("RISKWIN:us-east-1a:c5.xlarge", 0, -1))
        for secret in (aws_a, instance_id, tenant_a.org_id, tenant_a.account_id):
            assert secret not in stored
    finally:
        listener.stop()


def test_flags_expire_and_the_window_counts_distinct_interruptions(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    zone = "us-west-2a"
    itype = f"r{uuid.uuid4().int % 9 + 1}.large"
    client.delete(f"RISK:{zone}:{itype}", f"RISKMETA:{zone}:{itype}", f"RISKWIN:{zone}:{itype}")
    hive = HiveMind(RedisRiskTracker(client), SystemClock(), ttl_seconds=1, window_seconds=60)
    for n in range(3):
        hive.ingest({"kind": "interruption", "zone": zone, "instance_type": itype, "instance_id": f"i-0000000{n}"})
    result = hive.ingest({"kind": "interruption", "zone": zone, "instance_type": itype, "instance_id": "i-00000002"})
    assert result.flag is not None and result.flag.count == 3  # a redelivery counts once
    warn = hive.ingest({"kind": "rebalance", "zone": zone, "instance_type": itype})
    assert warn.flag is not None and warn.flag.level is FlagLevel.DANGER  # never downgraded
    assert 0 < client.pttl(f"RISK:{zone}:{itype}") <= 1000
    time.sleep(1.1)
    assert hive.lookup([(zone, itype)]).flags == {}


def test_lookup_of_many_pools_is_one_mget_and_no_scan(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    tracker = RedisRiskTracker(client)
    hive = HiveMind(tracker, SystemClock())
    hive.ingest({"kind": "rebalance", "zone": "eu-west-1b", "instance_type": "m6i.large"})
    pools = [(f"eu-west-1{'abc'[i % 3]}", f"m6i.{i}xlarge") for i in range(999)] + [("eu-west-1b", "m6i.large")]

    def calls(name: str) -> int:
        return int(client.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0))

    before = {c: calls(c) for c in ("mget", "get", "keys", "scan")}
    flags = hive.lookup(pools).flags
    after = {c: calls(c) for c in ("mget", "get", "keys", "scan")}
    assert flags["RISK:eu-west-1b:m6i.large"].level is FlagLevel.WARN
    assert after["mget"] - before["mget"] == 1
    assert all(after[c] == before[c] for c in ("get", "keys", "scan"))


def test_with_redis_down_scoring_continues_on_the_model_alone() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    hive = HiveMind(RedisRiskTracker(dead), SystemClock())
    req = PodRequirements(cpu_m=1000, memory_mib=2048)
    ranking = hive.rank(req, _catalog(), {"c5.xlarge": 0.05, "m5.large": 0.05})
    assert ranking.degraded and ranking.reason == "hive mind unavailable: scored on the model alone"
    assert (ranking.pools[0].instance_type, ranking.pools[0].zone) == ("c5.xlarge", "us-east-1a")
    assert len(candidate_pools(req, _catalog())) == 4


def test_an_envelope_that_is_not_an_eventbridge_event_is_dropped_naming_the_field(hub: dict[str, str]) -> None:
    # Given an interruption warning whose envelope lacks its time
    event = _event("111122223333", "i-0123456789abcdef0")
    del event["time"]
    # When the spot-event worker receives it, Then it is dropped naming the missing field
    outcome = worker_spot_events.handler(event)
    assert outcome == {"status": "invalid", "field": "time", "reason": "not an EventBridge event"}
