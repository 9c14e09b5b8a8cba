"""Automation: the payback threshold on actions and groups, and which job each policy mode starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.action_groups import ActionGroup, GroupDecision
from spothive.domain.automation import (
    Economics,
    RecentJob,
    Threshold,
    apply_threshold,
    decide_start,
    validate_threshold,
)
from spothive.domain.decisions import Action, ActionPlan
from spothive.domain.errors import InvalidInput

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
SNAP = "f" * 64


def test_economics_of_the_worked_example_read_as_one_sentence() -> None:
    # Given a move saving $71.54 a month that evicts 8 pods and churns 2 nodes
    econ = Economics(71.54 / 730, pods=8, nodes=2)
    # Then its disruption costs 8 x $0.25 + 2 x $1.00 and pays back in 1.7 days, shown as 2
    assert econ.cost == pytest.approx(4.0)
    assert econ.payback_days == pytest.approx(4.0 / (71.54 / 730 * 24))
    assert econ.sentence() == "saves $71.54/month, disruption cost $4.00 — pays back in 2 days"
    assert econ.held_by(Threshold()) is None
    # And a one-day window or a $100 floor holds it back, saying which rule
    assert econ.held_by(Threshold(payback_days=1)) == "does not pay back within the policy's 1 day"
    assert econ.held_by(Threshold(min_monthly_saving_usd=100)) == "saves less than the policy's $100.00/month"


def test_a_move_that_saves_nothing_never_pays_back() -> None:
    econ = Economics(0.0, pods=1, nodes=2)
    assert econ.payback_days is None
    assert econ.sentence() == "saves $0.00/month, disruption cost $2.25 — never pays back"
    assert econ.held_by(Threshold()) == "does not pay back within the policy's 7 days"


def _group(gid: str, node: str, saving: float, pods: int, added: tuple[str, ...] = ()) -> ActionGroup:
    actions = ({"type": "drain_node", "node": node, "pods": [f"shop/p{i}" for i in range(pods)]},
               {"type": "remove_node", "node": node, "price_per_hour": saving},
               *({"type": "add_node", "node": a} for a in added))
    return ActionGroup(gid, actions, saving, f"remove {node}",
                       {"removed": [node], "added": list(added), "pods_moved": pods})


def _decided() -> ActionPlan:
    worth = _group("g001", "n1", 0.2, 3)            # $146/month, 3 pods + 1 node = $1.75: pays back at once
    pennies = _group("g002", "n2", 0.001, 2)        # $0.73/month, $1.50: 62.5 days
    pending = ActionGroup("g003", ({"type": "add_node", "node": "new-1"},), -0.05, "add 1 node(s) for pending pods",
                          {"removed": [], "added": ["new-1"], "pods_moved": 0})
    blocked = _group("g004", "n4", 0.3, 1)
    groups = GroupDecision((worth, pennies, pending), ((blocked, "blocked: risky"),), ())
    actions = (
        Action("add_node", "new-1", "add new-1", {}),
        Action("drain_node", "n1", "drain n1", {}), Action("remove_node", "n1", "remove n1", {}),
        Action("drain_node", "n2", "drain n2", {}), Action("remove_node", "n2", "remove n2", {}),
        Action("replace_with_spot", "i-1", "Spot is cheaper", {"saving_per_hour": 0.05}),
        Action("replace_with_spot", "i-2", "Spot is cheaper", {"saving_per_hour": 0.004}),
    )
    return ActionPlan(actions, (Action("remove_node", "n4", "blocked: risky", {}, approved=False),), groups)


def test_the_threshold_holds_back_what_does_not_pay_and_the_counts_still_add_up() -> None:
    # Given a decision with a paying group, a penny group, a pending-pods group and two Spot moves
    result = apply_threshold(_decided(), Threshold(), pods_by_node={"i-1": 4, "i-2": 10})
    # Then the penny group is skipped whole, with its figures and the rule it failed
    assert result.groups is not None
    assert result.groups.counts == {"planned": 4, "approved": 2, "blocked": 1, "skipped": 1}
    ((skipped, why),) = result.groups.skipped
    assert skipped.id == "g002"
    assert why == ("skipped: saves $0.73/month, disruption cost $1.50 — pays back in 63 days; "
                   "does not pay back within the policy's 7 days")
    # And its actions are held (still shown) with the same figures; so is the Spot move saving $2.92/month
    held = {(a.type, a.target): a for a in result.held}
    assert set(held) == {("drain_node", "n2"), ("remove_node", "n2"), ("replace_with_spot", "i-2")}
    assert held[("replace_with_spot", "i-2")].reason == (
        "held below the automation threshold: this move saves $2.92/month, disruption cost $4.50 — pays back in "
        "47 days; does not pay back within the policy's 7 days")
    assert all(not a.approved for a in result.held)
    # And what runs states its economics: group g001 pays back within a day, i-1 in 3 days
    kept = {(a.type, a.target): a for a in result.actions}
    assert kept[("remove_node", "n1")].reason == (
        "remove n1 (group g001 saves $146.00/month, disruption cost $1.75 — pays back in 1 day)")
    assert kept[("replace_with_spot", "i-1")].reason == (
        "Spot is cheaper (this move saves $36.50/month, disruption cost $3.00 — pays back in 3 days)")
    assert kept[("replace_with_spot", "i-1")].evidence["economics"] == {
        "saving_per_month": 36.5, "disruption_cost": 3.0, "pods_evicted": 4, "nodes_churned": 2,
        "pods_assumed": False, "payback_days": 2.5}
    # And capacity for pending pods is never held back
    assert kept[("add_node", "new-1")].reason == "add new-1"
    assert len(result.actions) + len(result.held) == len(_decided().actions)


def test_a_risk_move_out_of_a_flagged_pool_is_never_held_for_its_cost() -> None:
    # Given a group moving a Spot node out of a DANGER-flagged pool onto pricier capacity (it saves nothing)
    risky = ActionGroup("g001", ({"type": "drain_node", "node": "s1", "pods": ["shop/p0"], "risk": {"why": "flagged"}},
                                 {"type": "remove_node", "node": "s1", "risk": {"why": "flagged"}},
                                 {"type": "add_node", "node": "new-1"}), -0.02, "s1 leaves its flagged pool",
                        {"removed": ["s1"], "added": ["new-1"], "pods_moved": 1, "risk_move": True})
    actions = (Action("add_node", "new-1", "add new-1", {}), Action("drain_node", "s1", "drain s1", {}),
               Action("remove_node", "s1", "s1 leaves its pool", {}))
    decided = ActionPlan(actions, (), GroupDecision((risky,), (), ()))
    # When automation applies its savings threshold
    result = apply_threshold(decided, Threshold(), pods_by_node={})
    # Then the move runs whole: stability over savings
    assert result.held == () and [a.target for a in result.actions] == ["new-1", "s1", "s1"]
    assert result.groups is not None and result.groups.counts["skipped"] == 0


def test_without_a_snapshot_a_spot_move_assumes_a_small_nodes_worth_of_pods() -> None:
    result = apply_threshold(_decided(), Threshold(), pods_by_node=None)
    kept = {a.target: a for a in result.actions}
    assert kept["i-1"].reason.endswith(
        "(this move saves $36.50/month, disruption cost $4.00 (8 pods assumed: no snapshot) — pays back in 4 days)")


def _job(job_id: str, *, running: bool = False, dry_run: bool = True, fingerprint: str = SNAP,
         age: timedelta = timedelta(hours=1)) -> RecentJob:
    return RecentJob(job_id, running, not running, dry_run, fingerprint, NOW - age)


@pytest.mark.parametrize(("mode", "recent", "safe_mode", "expected"), [
    ("off", [], None, (False, True, "mode off: automation never plans this cluster")),
    ("recommend", [], None, (True, True, "mode recommend: a preview of what auto would carry out")),
    ("recommend", [_job("job-a", running=True, dry_run=False)], None,
     (False, True, "job job-a is still running for the cluster")),
    ("recommend", [_job("job-p")], None,
     (False, True, "preview job-p of the same snapshot is fresh (less than 24 h old)")),
    ("recommend", [_job("job-p", fingerprint="0" * 64)], None,
     (True, True, "mode recommend: a preview of what auto would carry out")),
    ("recommend", [_job("job-p", age=timedelta(hours=25))], None,
     (True, True, "mode recommend: a preview of what auto would carry out")),
    ("auto", [], None, (True, False, "mode auto: carrying out what pays back, within the disruption budget")),
    ("auto", [_job("job-p")], None,
     (True, False, "mode auto: carrying out what pays back, within the disruption budget")),
    ("auto", [_job("job-x", dry_run=False)], None,
     (False, False, "execution job-x of the same snapshot is fresh (less than 24 h old)")),
    ("auto", [], "cluster SAFE_MODE on",
     (True, True, "mode auto, but SAFE_MODE is on (cluster SAFE_MODE on): preview only")),
    ("auto", [_job("job-r", running=True)], None, (False, True, "job job-r is still running for the cluster")),
])
def test_each_mode_starts_the_job_it_promises(mode, recent, safe_mode, expected) -> None:  # type: ignore[no-untyped-def]
    decision = decide_start(mode, recent, SNAP, NOW, safe_mode)
    assert (decision.start, decision.dry_run, decision.reason) == expected


def test_a_failed_execution_is_not_retried_within_the_hour_whatever_the_snapshot() -> None:
    # Given an execution that failed 20 minutes ago (its rollback changed the snapshot)
    failed = RecentJob("job-x", False, False, False, "0" * 64, NOW - timedelta(minutes=20), failed=True)
    # When automation looks at the auto cluster again
    soon = decide_start("auto", [failed], SNAP, NOW)
    # Then no new execution starts yet, and it says why
    assert (soon.start, soon.dry_run, soon.reason) == (False, False, "execution job-x failed less than 1 h ago: "
                                                                     "not retried yet")
    # And an hour later, or once the policy changed, one does
    assert decide_start("auto", [failed], SNAP, NOW + timedelta(minutes=41)).start
    assert decide_start("auto", [failed], SNAP, NOW, policy_changed_at=NOW - timedelta(minutes=5)).start
    # And a failed execution does not hold back a preview
    assert decide_start("recommend", [failed], SNAP, NOW).start


def test_a_changed_snapshot_waits_for_the_hour_since_the_last_job_of_its_kind() -> None:
    # Given a preview 20 minutes ago of another snapshot (a busy cluster changes with every pod)
    recent = [_job("job-p", fingerprint="0" * 64, age=timedelta(minutes=20))]
    # When discovery triggers automation again
    soon = decide_start("recommend", recent, SNAP, NOW)
    # Then no second preview starts within the hour, and it says why
    assert (soon.start, soon.reason) == (False, "preview job-p ran less than 1 h ago: at most one an hour")
    # And one does after the hour, after a policy change, or for the other kind (an execution under auto)
    assert decide_start("recommend", recent, SNAP, NOW + timedelta(minutes=40)).start
    assert decide_start("recommend", recent, SNAP, NOW, policy_changed_at=NOW - timedelta(minutes=5)).start
    assert decide_start("auto", recent, SNAP, NOW).start


def test_a_preview_made_before_the_policy_changed_is_not_fresh() -> None:
    recent = [_job("job-p", age=timedelta(hours=2))]
    changed = decide_start("recommend", recent, SNAP, NOW, policy_changed_at=NOW - timedelta(hours=1))
    unchanged = decide_start("recommend", recent, SNAP, NOW, policy_changed_at=NOW - timedelta(hours=3))
    assert (changed.start, unchanged.start) == (True, False)


@pytest.mark.parametrize(("days", "saving", "field"), [
    (0, 5.0, "payback_days"), (91, 5.0, "payback_days"), (7, -1.0, "min_monthly_saving_usd"),
    (7, float("nan"), "min_monthly_saving_usd"), (7, 100_001.0, "min_monthly_saving_usd"),
])
def test_a_bad_threshold_names_its_field(days: int, saving: float, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_threshold(days, saving)
    assert raised.value.field == field


def test_a_threshold_round_trips_and_defaults_to_a_week_and_five_dollars() -> None:
    assert validate_threshold(14, 12.345) == Threshold(14, 12.35)
    assert Threshold.from_dict(Threshold(14, 12.35).to_dict()) == Threshold(14, 12.35)
    assert Threshold.from_dict(None) == Threshold(7, 5.0)
