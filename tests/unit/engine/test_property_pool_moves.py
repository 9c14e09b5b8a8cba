"""Property: a plan with risk moves out of a flagged pool is valid, leaves no placed pod behind, and moves
out every flagged Spot node except those it says stay (with their reason)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.plan_validation import validate_plan
from spothive.domain.pool_moves import flagged_spot_nodes, plan_with_risk_moves
from tests.unit.engine.test_property import CATALOG, snapshots

POOLS = ["RISK:z-a:m5.xlarge", "RISK:z-a:m5.large", "RISK:z-b:m5.2xlarge"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=snapshots(), flagged=st.sets(st.sampled_from(POOLS), min_size=1),
       aggressiveness=st.integers(20, 80), fallback=st.booleans())
def test_risk_moves_keep_every_plan_valid(doc: dict, flagged: set[str], aggressiveness: int, fallback: bool) -> None:
    # Given a random snapshot with some Spot pools flagged (and so not offered)
    policy = policy_from_dict({"aggressiveness": aggressiveness, "excluded_namespaces": ["batch"],
                               "flagged_pools": sorted(flagged), "spot_fallback_on_demand": fallback})
    snap = snapshot_from_dict(doc)
    leaving = {n: "flagged" for n in flagged_spot_nodes(snap, flagged)}
    # When planned with the flagged Spot nodes asked to leave
    plan, stays = plan_with_risk_moves(snap, CATALOG, policy, leaving)
    # Then the plan passes the validator, no pod placed today is left unplaced
    assert validate_plan(snap, CATALOG, plan.to_dict(), policy) == []
    placed = {p.key for p in snap.pods if p.node is not None}
    assert not placed & set(plan.unplaced)
    # And every leaving node is either removed by a risk move or stays with a reason
    risk_removed = {str(a["node"]) for a in plan.actions if a["type"] == "remove_node" and a.get("risk")}
    assert risk_removed | set(stays) == set(leaving) and not risk_removed & set(stays)
    assert all(r.startswith("stays: ") for r in stays.values())
    # And the cost before counts every node of the snapshot
    assert abs(plan.cost_before_per_hour - sum(
        CATALOG.price(n.instance_type, n.capacity_type, n.zone) or 0.0 for n in snap.nodes)) < 1e-6
