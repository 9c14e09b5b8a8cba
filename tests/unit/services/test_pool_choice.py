"""The pool choice service over fakes: flags reroute new capacity, move flagged nodes, hold pools, and the
projection plans exactly as detect does without writing the watches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spothive.adapters.memory.pool_watch import MemoryPoolWatchStore
from spothive.domain.packing.model import policy_from_dict
from spothive.domain.risk_signals import FlagLevel, PoolFlag
from spothive.services.hive_mind import HiveMind
from spothive.services.pool_choice import PoolChoice
from spothive.services.risk_heuristic import HeuristicRiskModel
from tests.support.fakes import FixedClock, MemorySignals
from tests.unit.engine.helpers import node, pod, tiny_catalog

NOW = datetime(2026, 3, 8, 10, 20, tzinfo=UTC)
FLAG = PoolFlag("z-a", "m5.xlarge", FlagLevel.DANGER, 3, "2026-03-08T10:12:00+00:00")
DOC = {"nodes": [node("s1", capacity="spot"), node("s2", capacity="spot", zone="z-b")],
       "pods": [pod("a1", "s1", cpu=1500, owner="a"), pod("a2", "s2", cpu=1500, owner="a")]}
POLICY = policy_from_dict({"aggressiveness": 30})


def _choice(signals: MemorySignals, clock: FixedClock, store: MemoryPoolWatchStore) -> PoolChoice:
    return PoolChoice(HeuristicRiskModel(), HiveMind(signals, clock, window_seconds=1200), clock, store)


def test_a_flagged_pool_is_left_and_held_and_the_reason_names_the_flag() -> None:
    # Given z-a:m5.xlarge flagged DANGER by the hive mind
    clock, store = FixedClock(NOW), MemoryPoolWatchStore()
    choice = _choice(MemorySignals({FLAG.key: FLAG}), clock, store)
    # When detect plans (and remembers)
    chosen = choice.plan("org", "c1", DOC, tiny_catalog(), POLICY, remember=True)
    # Then s1 (in the flagged pool) is moved out, s2 stays, and no new node lands in the flagged pool
    removed = [a["node"] for a in chosen.plan.actions if a["type"] == "remove_node"]
    assert removed == ["s1"]
    assert all((n.zone, n.instance_type) != ("z-a", "m5.xlarge") for n in chosen.plan.nodes if n.new)
    assert "RISK:z-a:m5.xlarge" in chosen.policy.flagged_pools and "z-a:m5.xlarge" in chosen.policy.flagged_pools
    # the remove decision says why the node leaves, with the flag's numbers
    leave = next(d for d in chosen.plan.decisions if d.action == "remove_node" and d.reason.startswith("s1:"))
    assert "z-a flagged by 3 interruption reports in the last 20 min (last at 10:12 UTC)" in leave.reason
    assert leave.evidence["risk_move"] is True
    # the pool is watched from now on
    assert list(store.get("org", "c1")) == ["z-a:m5.xlarge"]
    assert chosen.summary()["risk_moves"] == 1 and chosen.summary()["flagged"] == ["RISK:z-a:m5.xlarge"]


def test_after_the_flag_expires_the_pool_stays_out_until_the_hold_is_over() -> None:
    clock, store = FixedClock(NOW), MemoryPoolWatchStore()
    signals = MemorySignals({FLAG.key: FLAG})
    choice = _choice(signals, clock, store)
    choice.plan("org", "c1", DOC, tiny_catalog(), POLICY, remember=True)
    # When the flag is gone 30 minutes later
    signals.flags.clear()
    clock.value = NOW + timedelta(minutes=30)
    held = choice.plan("org", "c1", DOC, tiny_catalog(), POLICY, remember=True)
    # Then the pool is still held (no new capacity there) but nothing else moves out of it
    assert "z-a:m5.xlarge" in held.policy.flagged_pools
    assert held.summary()["held"]["z-a:m5.xlarge"].startswith("held: flagged by the hive mind")
    assert not any(a.get("risk") for a in held.plan.actions)
    # And at 61 minutes, with the heuristic's 15 %/month for an unknown pool above half the 20 % limit, it is
    # still held: the risk threshold holds it after the time has passed
    clock.value = NOW + timedelta(minutes=61)
    later = choice.plan("org", "c1", DOC, tiny_catalog(), POLICY, remember=True)
    assert later.summary()["held"]["z-a:m5.xlarge"].startswith("held: safe since 2026-03-08 10:20 UTC but risk 15.0%")


def test_the_projection_plans_like_detect_and_writes_nothing() -> None:
    clock = FixedClock(NOW)
    signals = MemorySignals({FLAG.key: FLAG})
    detect_store, projection_store = MemoryPoolWatchStore(), MemoryPoolWatchStore()
    detect = _choice(signals, clock, detect_store).plan("org", "c1", DOC, tiny_catalog(), POLICY, remember=True)
    projected = _choice(signals, clock, projection_store).plan("org", "c1", DOC, tiny_catalog(), POLICY)
    assert projected.plan.to_dict() | {"solve_seconds": 0} == detect.plan.to_dict() | {"solve_seconds": 0}
    assert projection_store.get("org", "c1") == {}


def test_with_the_hive_mind_down_it_plans_on_the_model_alone_and_says_so() -> None:
    clock = FixedClock(NOW)
    chosen = _choice(MemorySignals(down=True), clock, MemoryPoolWatchStore()).plan(
        "org", "c1", DOC, tiny_catalog(), POLICY)
    assert chosen.degraded and "hive mind unavailable" in (chosen.reason or "")
    assert not any(a.get("risk") for a in chosen.plan.actions)


def test_projection_and_detect_share_the_pool_choice_and_only_detect_remembers() -> None:
    from spothive.domain.inventory import DiscoveredInstance, StoredCluster
    from spothive.services.metrics import MetricsService
    from spothive.services.optimization import OptimizationSteps, StepInput
    from spothive.services.risk_heuristic import FallbackRiskModel
    from tests.support.fakes import (
        Fakes,
        FixedCatalogs,
        MemoryAgentActions,
        MemoryHeartbeats,
        MemoryJobsRepo,
        MemoryLedger,
        SafeMode,
    )
    from tests.unit.services.helpers import principal
    from tests.unit.workflows.test_optimization_steps import job

    # Given a cluster whose Spot c5.xlarge node sits in a pool the hive mind flags
    world, clock = Fakes(), FixedClock(NOW)
    world.inventory.add_cluster(StoredCluster("org-1", "c-1", "acct-1", "prod", "us-east-1", "arn:c", "1.29",
                                              "ACTIVE", (), 1, NOW, NOW))
    world.inventory.upsert_instances("org-1", [DiscoveredInstance(
        "acct-1", "us-east-1", "i-1", "c5.xlarge", "us-east-1a", "spot", "running", NOW, "c-1")], NOW)
    world.snapshots.save("org-1", "c-1", {
        "nodes": [{"name": "n-1", "instance_type": "c5.xlarge", "capacity_type": "spot", "zone": "us-east-1a"}],
        "pods": [{"namespace": "app", "name": f"web-{i}", "node": "n-1", "cpu_m": 1200, "memory_mib": 1024,
                  "owner": "web"} for i in (1, 2)]})
    flag = PoolFlag("us-east-1a", "c5.xlarge", FlagLevel.DANGER, 3, NOW.isoformat())
    signals, store = MemorySignals({flag.key: flag}), MemoryPoolWatchStore()
    hive = HiveMind(signals, clock)
    pools = PoolChoice(HeuristicRiskModel(), hive, clock, store)
    metrics = MetricsService(world.inventory, FixedCatalogs(), world.snapshots, pools=pools)
    jobs = MemoryJobsRepo(MemoryLedger(clock), clock)
    jobs.jobs[("org-1", "job-1")] = job()
    steps = OptimizationSteps(jobs, world.inventory, FixedCatalogs(), world.snapshots, FallbackRiskModel(None), hive,
                              MemoryHeartbeats(clock), MemoryAgentActions(), SafeMode(False), clock, pools=pools)
    # When the projection is read, then detect and decide run
    projection = metrics.projection(principal(), "c-1")
    assert store.get("org-1", "c-1") == {}  # reading the projection writes nothing
    steps.detect(StepInput("org-1", "c-1", "job-1"))
    steps.assess_risk(StepInput("org-1", "c-1", "job-1"))
    decided = steps.decide(StepInput("org-1", "c-1", "job-1"))
    # Then both planned the same risk move out of the flagged pool
    detected = jobs.get("org-1", "job-1").data["detect"]
    assert [a for a in detected["plan"]["actions"]] == projection.moves
    assert ("remove_node", "n-1") in {(a["type"], a["node"]) for a in projection.moves}
    assert detected["pools"]["risk_moves"] == 1 and list(store.get("org-1", "c-1")) == ["us-east-1a:c5.xlarge"]
    # And the decision approves it, whatever it costs, saying it is a risk move
    approved = jobs.get("org-1", "job-1").data["decision"]["approved"]
    remove = next(a for a in approved if a["type"] == "remove_node")
    assert remove["evidence"]["risk_move"] is True and "leaves its pool" in remove["reason"]
    assert decided["groups"]["approved"] == 1


def test_a_kept_on_demand_node_is_not_moved_to_spot_in_a_pool_the_choice_keeps_out() -> None:
    from spothive.domain.inventory import StoredCluster
    from spothive.services.optimization import OptimizationSteps, StepInput
    from spothive.services.risk_heuristic import FallbackRiskModel
    from tests.support.fakes import (
        Fakes,
        FixedCatalogs,
        MemoryAgentActions,
        MemoryHeartbeats,
        MemoryJobsRepo,
        MemoryLedger,
        SafeMode,
    )
    from tests.unit.workflows.test_optimization_steps import job

    def detect_spot(flags: dict[str, PoolFlag]) -> list[dict[str, object]]:
        world, clock = Fakes(), FixedClock(NOW)
        world.inventory.add_cluster(StoredCluster("org-1", "c-1", "acct-1", "prod", "us-east-1", "arn:c", "1.29",
                                                  "ACTIVE", (), 1, NOW, NOW))
        # a busy On-Demand m5.large the plan keeps (Spot m5.large in us-east-1c costs 0.038 against 0.096)
        world.snapshots.save("org-1", "c-1", {
            "nodes": [{"name": "n-1", "instance_type": "m5.large", "capacity_type": "on-demand",
                       "zone": "us-east-1c", "labels": {"spothive.io/instance-id": "i-0123456789abcdef0"}}],
            "pods": [{"namespace": "app", "name": "db", "node": "n-1", "cpu_m": 1500, "memory_mib": 6000}]})
        hive = HiveMind(MemorySignals(flags), clock)
        jobs = MemoryJobsRepo(MemoryLedger(clock), clock)
        jobs.jobs[("org-1", "job-1")] = job()
        steps = OptimizationSteps(
            jobs, world.inventory, FixedCatalogs(), world.snapshots, FallbackRiskModel(None), hive,
            MemoryHeartbeats(clock), MemoryAgentActions(), SafeMode(False), clock,
            pools=PoolChoice(HeuristicRiskModel(), hive, clock, MemoryPoolWatchStore()))
        steps.detect(StepInput("org-1", "c-1", "job-1"))
        return list(jobs.get("org-1", "job-1").data["detect"]["spot"])

    # Given no flag, the kept node moves to Spot in its zone
    assert [(s["node"], s["zone"]) for s in detect_spot({})] == [("i-0123456789abcdef0", "us-east-1c")]
    # When its Spot pool is flagged, Then no replacement is proposed into it (On-Demand is the fallback)
    flag = PoolFlag("us-east-1c", "m5.large", FlagLevel.DANGER, 2, NOW.isoformat())
    assert detect_spot({flag.key: flag}) == []


def test_a_risk_move_a_pdb_defers_is_reported_for_the_next_plan() -> None:
    # Given two Spot nodes in the flagged pool, one pod of "a" on each, and a PDB allowing no disruption
    doc = {"nodes": [node("s1", capacity="spot"), node("s2", capacity="spot")],
           "pods": [pod("a1", "s1", cpu=1500, owner="a"), pod("a2", "s2", cpu=1500, owner="a")],
           "pdbs": [{"namespace": "app", "name": "a", "selector_owner": "a", "max_unavailable": 0}]}
    clock = FixedClock(NOW)
    chosen = _choice(MemorySignals({FLAG.key: FLAG}), clock, MemoryPoolWatchStore()).plan(
        "org", "c1", doc, tiny_catalog(), POLICY)
    # Then neither can be drained now: both are deferred to a later plan, in the stored summary too
    assert [a["node"] for a in chosen.plan.actions if a["type"] == "remove_node"] == []
    assert chosen.deferred == ["s1", "s2"] and chosen.summary()["deferred"] == ["s1", "s2"]
    # And with a PDB allowing one eviction at a time both move now (the drains wait for the PDB)
    paced = {**doc, "pdbs": [{**doc["pdbs"][0], "max_unavailable": 1}]}
    chosen = _choice(MemorySignals({FLAG.key: FLAG}), clock, MemoryPoolWatchStore()).plan(
        "org", "c1", paced, tiny_catalog(), POLICY)
    assert sorted(a["node"] for a in chosen.plan.actions if a["type"] == "remove_node") == ["s1", "s2"]
    assert chosen.deferred == []
