"""MetricsService on the in-memory fakes: KPI and projection figures from the built-in catalog's prices
(m5.large 0.096 On-Demand and 0.038 Spot in us-east-1c, c5.large 0.0323 Spot in us-east-1a, m5.xlarge 0.192)."""

from __future__ import annotations

import pytest

from spothive.domain.errors import NotFound
from spothive.domain.inventory import DiscoveredInstance, StoredCluster
from spothive.services.metrics import MetricsService
from tests.support.fakes import NOW, Fakes, FixedCatalogs
from tests.unit.services.helpers import principal

ALICE = principal()




def node(instance_id: str, itype: str, lifecycle: str, zone: str, cluster: str | None = "prod", state: str = "running"):
    return DiscoveredInstance("acct-1", "us-east-1", instance_id, itype, zone, lifecycle, state, NOW, cluster)


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    prod = node("i-1", "m5.large", "on-demand", "us-east-1a").cluster_id
    w.inventory.add_cluster(StoredCluster("org-1", prod, "acct-1", "prod", "us-east-1", "arn:c", "1.29", "ACTIVE", (),
                                          2, NOW, NOW))
    w.inventory.upsert_instances("org-1", [
        node("i-1", "m5.large", "on-demand", "us-east-1a"),
        node("i-2", "c5.large", "spot", "us-east-1a"),
        node("i-3", "m5.xlarge", "on-demand", "us-east-1b", cluster=None),
        node("i-4", "m5.xlarge", "on-demand", "us-east-1b", cluster=None, state="stopped"),
        node("i-5", "x9.mega", "on-demand", "us-east-1b", cluster=None),
    ], NOW)
    return w


@pytest.fixture
def metrics(world: Fakes) -> MetricsService:
    return MetricsService(world.inventory, FixedCatalogs(), world.snapshots)


def test_kpis_price_running_instances_and_project_each_cluster(metrics):
    kpis = metrics.kpis(ALICE)

    assert kpis.monthly_spend == 233.82  # (0.096 + 0.0323 + 0.192) x 730
    assert kpis.projected_monthly_spend == 191.48  # m5.large moves to Spot at 0.038
    assert kpis.monthly_savings == 42.34
    assert (kpis.unpriced_instances, kpis.running_instances, kpis.spot_instances, kpis.clusters) == (1, 4, 1, 1)


def test_without_a_snapshot_the_projection_moves_on_demand_nodes_to_the_cheapest_safe_spot_pool(metrics, world):
    (cluster,) = world.inventory.list_clusters("org-1")

    projection = metrics.projection(ALICE, cluster.cluster_id)

    assert projection.basis == "spot-only"
    assert (projection.unoptimized.monthly, projection.optimized.monthly, projection.monthly_savings) == (
        93.66, 51.32, 42.34)
    assert [(m["node"], m["target"]) for m in projection.moves] == [("i-1", "m5.large spot us-east-1c")]


def test_an_org_without_instances_spends_nothing_and_another_orgs_cluster_is_not_found(metrics, world):
    (cluster,) = world.inventory.list_clusters("org-1")
    empty = metrics.kpis(principal("org-2"))
    assert (empty.monthly_spend, empty.projected_monthly_spend, empty.clusters) == (0.0, 0.0, 0)
    with pytest.raises(NotFound):
        metrics.projection(principal("org-2"), cluster.cluster_id)


def test_with_a_snapshot_the_planner_projects_from_the_pods(metrics, world):
    (cluster,) = world.inventory.list_clusters("org-1")
    world.snapshots.save("org-1", cluster.cluster_id, {
        "nodes": [node_doc("n-1"), node_doc("n-2")],
        "pods": [{"namespace": "app", "name": f"web-{i}", "node": f"n-{i}", "cpu_m": 250, "memory_mib": 512}
                 for i in (1, 2)],
    })

    projection = metrics.projection(ALICE, cluster.cluster_id)

    assert projection.basis == "planner"
    assert projection.unoptimized.monthly == 140.16  # two m5.large On-Demand: 2 x 0.096 x 730
    assert projection.optimized.monthly == 23.36  # both pods fit one new Spot node at 0.032/h
    assert [m["type"] for m in projection.moves] == ["add_node", "drain_node", "remove_node", "drain_node", "remove_node"]
    assert projection.optimality_gap is not None


def node_doc(name: str) -> dict:
    return {"name": name, "instance_type": "m5.large", "capacity_type": "on-demand", "zone": "us-east-1a"}


def test_a_snapshot_describing_a_bigger_cluster_cannot_inflate_the_projected_spend(metrics, world):
    # Given the cluster's discovered nodes (m5.large On-Demand + c5.large Spot: $93.66/month), and an
    # uploaded snapshot that claims forty m5.xlarge On-Demand nodes, each full with one pod that fits nowhere else
    (cluster,) = world.inventory.list_clusters("org-1")
    world.snapshots.save("org-1", cluster.cluster_id, {
        "nodes": [{"name": f"n{i}", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a"}
                  for i in range(40)],
        "pods": [{"namespace": "web", "name": f"p{i}", "node": f"n{i}", "cpu_m": 3500, "memory_mib": 12_000}
                 for i in range(40)],
    })
    # When the KPIs are computed
    kpis = metrics.kpis(ALICE)
    # Then spend is the discovered inventory's, and the projection saves at most the cluster's own cost
    assert kpis.monthly_spend == 233.82
    assert 140.16 <= kpis.projected_monthly_spend <= 233.82  # the stand-alone m5.xlarge ($140.16) stays


class RiskyEverywhere:
    """A preview's production model that finds every Spot pool high-risk (0.6)."""

    version = "model:risky"

    def predict(self, batch):  # type: ignore[no-untyped-def]
        from spothive.contracts.risk_v1 import RiskOutput, recommended_action

        return [RiskOutput(prediction_id=f"p{i}", interruption_probability=0.6, confidence_score=0.9,
                           recommended_action=recommended_action(0.6)) for i, _ in enumerate(batch)]


def preview_job(world: Fakes, cluster_id: str, model) -> str:  # type: ignore[no-untyped-def]
    """A finished preview whose steps ran the shared planner with ``model`` at the risk step."""
    from spothive.domain.audit import AuditEntry
    from spothive.domain.jobs import Job, JobStatus
    from spothive.services.cluster_plan import ClusterPlanner, decide_plan

    planner = ClusterPlanner(world.inventory, FixedCatalogs(), world.snapshots)
    detected, _ = planner.detect("org-1", cluster_id, remember=True)
    risk = planner.assess(detected, model, None, NOW)
    job = Job("org-1", "job-1", cluster_id, JobStatus.SUCCEEDED, "u", True, NOW, NOW,
              data={"detect": detected, "risk": risk, "decision": decide_plan(detected, risk)})
    world.jobs.create(job, AuditEntry("u", "optimization.requested", "cluster", cluster_id))
    return job.job_id


def test_the_projection_shows_the_preview_of_the_same_inputs_with_its_blocks(world):
    # Given the two-node snapshot (both pods fit one new Spot node) and a preview whose model blocked that move
    (cluster,) = world.inventory.list_clusters("org-1")
    world.snapshots.save("org-1", cluster.cluster_id, {"nodes": [node_doc("n-1"), node_doc("n-2")], "pods": [
        {"namespace": "app", "name": f"web-{i}", "node": f"n-{i}", "cpu_m": 250, "memory_mib": 512} for i in (1, 2)]})
    metrics = MetricsService(world.inventory, FixedCatalogs(), world.snapshots, jobs=world.jobs)
    estimate = metrics.projection(ALICE, cluster.cluster_id)
    job_id = preview_job(world, cluster.cluster_id, RiskyEverywhere())

    # When the dashboard asks again
    shown = metrics.projection(ALICE, cluster.cluster_id)

    # Then the estimate (heuristic, before the risk check) promised the move, and the projection now shows
    # the preview: nothing approved, nothing saved, the one opportunity blocked
    assert (estimate.source, estimate.optimized.monthly, estimate.outcome.counts()) == (
        "estimate", 23.36, {"planned": 1, "approved": 1, "blocked": 0, "skipped": 0})
    assert (shown.source, shown.preview_job_id, shown.risk_model) == ("preview", job_id, "model:risky")
    assert (shown.unoptimized.monthly, shown.optimized.monthly, shown.monthly_savings) == (140.16, 140.16, 0.0)
    assert shown.outcome.counts() == {"planned": 1, "approved": 0, "blocked": 1, "skipped": 0}
    assert shown.inputs["policy_version"] == 0


def test_a_preview_of_another_snapshot_is_not_reused(world):
    # Given a preview of the two-node snapshot, then a third pod arriving
    (cluster,) = world.inventory.list_clusters("org-1")
    pods = [{"namespace": "app", "name": f"web-{i}", "node": f"n-{i}", "cpu_m": 250, "memory_mib": 512} for i in (1, 2)]
    world.snapshots.save("org-1", cluster.cluster_id, {"nodes": [node_doc("n-1"), node_doc("n-2")], "pods": pods})
    preview_job(world, cluster.cluster_id, RiskyEverywhere())
    world.snapshots.save("org-1", cluster.cluster_id, {"nodes": [node_doc("n-1"), node_doc("n-2")], "pods": [
        *pods, {"namespace": "app", "name": "web-3", "node": "n-1", "cpu_m": 250, "memory_mib": 512}]})

    # When the projection is computed, Then it is an estimate of the new snapshot (the move approved again)
    shown = MetricsService(world.inventory, FixedCatalogs(), world.snapshots, jobs=world.jobs).projection(
        ALICE, cluster.cluster_id)
    assert (shown.source, shown.preview_job_id) == ("estimate", None)
    assert shown.outcome.approved == shown.outcome.planned >= 1


def test_a_preview_planned_for_no_region_is_not_reused_and_the_cluster_is_priced_in_its_own(world):
    # Given a preview of the same snapshot whose inputs name no region (planned before prices were per region)
    (cluster,) = world.inventory.list_clusters("org-1")
    world.snapshots.save("org-1", cluster.cluster_id, {"nodes": [node_doc("n-1"), node_doc("n-2")], "pods": [
        {"namespace": "app", "name": f"web-{i}", "node": f"n-{i}", "cpu_m": 250, "memory_mib": 512} for i in (1, 2)]})
    preview_job(world, cluster.cluster_id, RiskyEverywhere())
    job = world.jobs.get("org-1", "job-1")
    assert job is not None and job.data["detect"]["inputs"]["region"] == "us-east-1"
    inputs = {k: v for k, v in job.data["detect"]["inputs"].items() if k != "region"}
    world.jobs.update("org-1", "job-1", data={"detect": {**job.data["detect"], "inputs": inputs}})
    catalogs = FixedCatalogs()

    # When the projection is computed
    shown = MetricsService(world.inventory, catalogs, world.snapshots, jobs=world.jobs).projection(
        ALICE, cluster.cluster_id)

    # Then it is an estimate made now for the cluster's region, with the prices' basis of that catalog
    assert (shown.source, shown.preview_job_id, shown.inputs["region"]) == ("estimate", None, "us-east-1")
    assert set(catalogs.regions) == {"us-east-1"}
    assert (shown.prices_estimated, shown.prices_as_of) == (False, None)
