"""The local demo end to end: the real API over HTTP, moto, Redis and the worker functions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spothive.local import demo
from spothive.local.runtime import LocalConfig, LocalStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    config = LocalConfig.ephemeral(tmp_path_factory.mktemp("demo"), serve_api=True)
    with LocalStack(config) as running:
        yield running


def test_demo_links_the_account_and_reports_clusters_and_spend(stack: LocalStack) -> None:
    lines: list[str] = []
    result = demo.run(stack, out=lines.append)
    text = "\n".join(lines)
    # the seeded 20-node cluster is found with its capacity mix
    assert "Cluster acme-prod (us-east-1, Kubernetes 1.31): 20 nodes, 15 On-Demand / 5 Spot" in text
    assert result["kpi"]["running_instances"] == 27
    # spend at the built-in catalog's prices: 15 On-Demand + 5 Spot nodes + 2 t3.medium, and the batch
    # cluster's 3 m5.large ASG nodes + 2 scheduled t3.medium (0.3712 $/h more), x 730 h
    assert result["kpi"]["monthly_spend"] == 3475.68
    assert result["kpi"]["projected_monthly_spend"] < result["kpi"]["monthly_spend"]
    # the planner ran on the uploaded pod snapshot and reports its own gap
    projection = result["projection"]
    assert projection["basis"] == "planner"
    # 20 mostly idle nodes: draining within the PDB budget more than halves the bill
    assert projection["optimized"] < projection["unoptimized"] / 2
    assert 0 <= projection["optimality_gap"] < 1
    assert any(a["type"] == "remove_node" for a in projection["actions"])
    # the batch cluster's ASG and the office-hours instances are scheduled, asleep this hour
    assert {n: (s["target"], s["awake_now"]) for n, s in result["hibernation"].items()} == {
        "staging-batch": ("asg", False), "office-hours": ("ec2", False)}
    assert "Hibernation: staging-batch sleeps as asg" in text
    # the batch cluster is in recommend: the automation schedule previewed it, as system:automation
    automated = result["automation"]
    assert automated["outcome"]["started"] is True and automated["outcome"]["dry_run"] is True
    assert (automated["job"]["actor"], automated["job"]["dry_run"], automated["job"]["status"]) == (
        "system:automation", True, "succeeded")
    assert "Automation: staging-batch set to recommend" in text
    assert "activity: Automation (recommend) started a preview of cluster" in text
    # every mutation so far is in an intact ledger
    assert result["ledger"]["ok"] is True
    assert result["ledger"]["records"] >= 4
    assert "Account linked: status active" in text
