"""The lab's A/B tests on fakes: tag routing keeps each model to its own instance, predictions carry their
model, interruptions are counted per model with calibration; and the live-switch start validates its input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from spothive.contracts.risk_v1 import RiskInput, RiskOutput, recommended_action
from spothive.domain.errors import InvalidInput, NotFound
from spothive.domain.inventory import DiscoveredInstance
from spothive.domain.model_registry import ModelRecord, ModelStatus
from spothive.domain.switch import InstanceFacts
from spothive.domain.tenancy import Account, AccountStatus, Org
from spothive.services.lab_experiments import LabExperiments
from spothive.services.model_routing import MODEL_TAG, ModelRouter
from spothive.services.parallel_tests import ArmObserver, ParallelTests
from spothive.services.safe_mode import SafeModeService
from tests.support.fakes import Fakes, FixedCatalogs, ScriptedEc2
from tests.support.fakes.jobs import RecordingWorkflows

ORG, ROLE = "org-1", "arn:aws:iam::222233334444:role/SpotHiveAccess"
A, B = "i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"


class SeenModel:
    """A risk model that answers a fixed probability and remembers every pool it was asked about."""

    def __init__(self, version: str, probability: float) -> None:
        self.version = version
        self._p = probability
        self.seen: list[tuple[str, str]] = []

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        self.seen += [(i.features.availability_zone, i.features.instance_type) for i in batch]
        return [RiskOutput(prediction_id=f"{self.version}-{n}", interruption_probability=self._p,
                           confidence_score=0.5, recommended_action=recommended_action(self._p),
                           source=f"model:{self.version}") for n, _ in enumerate(batch)]


def instance(instance_id: str, itype: str, zone: str, **changes) -> DiscoveredInstance:
    base = DiscoveredInstance("acct-1", "us-east-1", instance_id, itype, zone, "on-demand", "running", None, None, {})
    return replace(base, **changes)


@pytest.fixture
def world() -> Fakes:
    world = Fakes()
    world.tenancy.orgs[ORG] = Org(ORG, "Acme", world.now)
    world.tenancy.accounts[(ORG, "acct-1")] = Account(ORG, "acct-1", AccountStatus.ACTIVE, world.now,
                                                      external_id="ext-1", aws_account_id="222233334444",
                                                      role_arn=ROLE)
    world.inventory.upsert_instances(ORG, [instance(A, "m5.xlarge", "us-east-1a"),
                                           instance(B, "c5.2xlarge", "us-east-1b")], world.now)
    for model_id, status in (("mdl-a", ModelStatus.CANDIDATE), ("mdl-b", ModelStatus.PRODUCTION),
                             ("mdl-r", ModelStatus.REJECTED)):
        world.models.models[model_id] = ModelRecord(model_id, f"v-{model_id}", status, "0" * 64, 10, "lightgbm-text",
                                                    f"models/{model_id}.txt", "admin:root", world.now, world.now)
    return world


@pytest.fixture
def models() -> dict[str, SeenModel]:
    return {"mdl-a": SeenModel("a", 0.05), "mdl-b": SeenModel("b", 0.4), "production": SeenModel("prod", 0.2)}


def lab(world: Fakes, models: dict[str, SeenModel],
        safe_modes: SafeModeService | None = None) -> tuple[ParallelTests, ScriptedEc2]:
    ec2 = ScriptedEc2(*(InstanceFacts(i, "running", t, "ami-1", "subnet-1", z, "on-demand", "/dev/xvda", None)
                        for i, t, z in ((A, "m5.xlarge", "us-east-1a"), (B, "c5.2xlarge", "us-east-1b"))))
    router = ModelRouter(models["production"], lambda model_id: models[model_id], world.lab, FixedCatalogs(),
                         world.clock)
    return ParallelTests(world.tenancy, world.inventory, world.models, world.lab, ec2, router, world.clock,
                         ledger=world.ledger, safe_modes=safe_modes), ec2


def test_configuring_tags_each_instance_and_each_model_scores_only_its_own(world, models):
    tests, ec2 = lab(world, models)

    configured = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")

    # Then each instance carries its model's tag, in the customer's account and in the inventory copy
    assert ec2.calls == [("tag", f"{A}:{MODEL_TAG}=mdl-a"), ("tag", f"{B}:{MODEL_TAG}=mdl-b")]
    assert ec2.opened == [(ROLE, "ext-1", "us-east-1")] * 2
    tags = {s.instance.instance_id: s.instance.tags for s in world.inventory.list_instances(ORG)}
    assert tags == {A: {MODEL_TAG: "mdl-a"}, B: {MODEL_TAG: "mdl-b"}}
    # And model A saw only A's pool, model B only B's, production none
    assert models["mdl-a"].seen == [("us-east-1a", "m5.xlarge")]
    assert models["mdl-b"].seen == [("us-east-1b", "c5.2xlarge")]
    assert models["production"].seen == []
    assert [(p["instance_id"], p["model_id"], p["interruption_probability"]) for p in configured["predictions"]] == [
        (A, "mdl-a", 0.05), (B, "mdl-b", 0.4)]
    (audited,) = world.ledger.chains[ORG]
    assert (audited.action, audited.resource_id) == ("lab.ab_test.configured", configured["test_id"])


def test_an_instance_tagged_for_b_is_never_scored_by_a_even_when_b_fails(world, models):
    def broken(batch):
        raise RuntimeError("artifact unreadable")

    models["mdl-b"].predict = broken  # type: ignore[method-assign]
    router = ModelRouter(models["production"], lambda model_id: models[model_id], world.lab, FixedCatalogs(),
                         world.clock)
    tagged = [instance(A, "m5.xlarge", "us-east-1a", tags={MODEL_TAG: "mdl-a"}),
              instance(B, "c5.2xlarge", "us-east-1b", tags={MODEL_TAG: "mdl-b"}),
              instance("i-0ccccccccccccccc3", "m5.large", "us-east-1a")]

    results = router.score(ORG, tagged)

    assert models["mdl-a"].seen == [("us-east-1a", "m5.xlarge")]
    assert models["production"].seen == [("us-east-1a", "m5.large")]
    assert results[1] == {"instance_id": B, "model_id": "mdl-b", "error": "RuntimeError: artifact unreadable"}
    assert (results[2]["model_id"], results[2]["model_version"]) == ("production", "prod")
    # only routed (A/B) predictions are recorded, each with its model
    recorded = [(i["model_id"], i["instance_id"]) for i in world.lab.items.values() if i["kind"] == "prediction"]
    assert recorded == [("mdl-a", A)]


def test_results_count_interruptions_per_model_and_calibrate_the_predictions(world, models):
    tests, _ = lab(world, models)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]
    world.clock.advance(timedelta(hours=2))
    observer = ArmObserver(world.lab, world.clock)

    # When B's instance gets an interruption warning (and an unrelated instance too)
    assert observer.observe(B, world.clock.now(), "EC2 Spot Instance Interruption Warning") is True
    assert observer.observe("i-0ddddddddddddddd4", world.clock.now(), "EC2 Spot Instance Interruption Warning") is False
    results = tests.results(test_id)

    by_model = {m["model_id"]: m for m in results["models"]}
    assert (by_model["mdl-a"]["observed_interruptions"], by_model["mdl-b"]["observed_interruptions"]) == (0, 1)
    assert [p["interruption_probability"] for p in by_model["mdl-a"]["predictions"]] == [0.05]
    assert [p["model_version"] for p in by_model["mdl-b"]["predictions"]] == ["b"]
    # A said 5 % and nothing happened (Brier 0.0025); B said 40 % and it was interrupted (Brier 0.36)
    assert by_model["mdl-a"]["calibration"]["brier"] == 0.0025
    assert by_model["mdl-b"]["calibration"] == {"predictions": 1, "mean_predicted": 0.4, "observed_rate": 1.0,
                                                "brier": 0.36, "bins": [{"low": 0.25, "high": 0.5, "count": 1,
                                                                         "mean_predicted": 0.4, "observed_rate": 1.0}]}


def test_a_warning_stamped_in_the_tests_own_second_counts(world, models):
    # Given a test configured 700 ms into a second
    world.clock.advance(timedelta(milliseconds=700))
    tests, _ = lab(world, models)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]

    # When EventBridge stamps B's warning to the same second (its start, before the test's own millisecond)
    assert ArmObserver(world.lab, world.clock).observe(B, world.clock.now().replace(microsecond=0),
                                                       "EC2 Spot Instance Interruption Warning") is True

    # Then the results count it for B
    by_model = {m["model_id"]: m for m in tests.results(test_id)["models"]}
    assert (by_model["mdl-a"]["observed_interruptions"], by_model["mdl-b"]["observed_interruptions"]) == (0, 1)
    assert by_model["mdl-b"]["calibration"]["observed_rate"] == 1.0


@pytest.mark.parametrize(("args", "field"), [
    ((A, "mdl-a", A, "mdl-b"), "instance_b"),
    ((A, "mdl-a", B, "mdl-a"), "model_b"),
    ((A, "mdl-r", B, "mdl-b"), "model_a"),
    ((A, "mdl-a", B, "mdl-nope"), "model_b"),
    (("i-0eeeeeeeeeeeeeee5", "mdl-a", B, "mdl-b"), "instance_a"),
])
def test_a_bad_configuration_names_its_field_and_tags_nothing(world, models, args, field):
    tests, ec2 = lab(world, models)
    with pytest.raises(InvalidInput) as caught:
        tests.configure("admin:root", ORG, *args)
    assert caught.value.field == field
    assert ec2.calls == []


def test_an_unknown_test_is_not_found(world, models):
    tests, _ = lab(world, models)
    with pytest.raises(NotFound):
        tests.results("ab-nope")


def start(world: Fakes) -> tuple[LabExperiments, RecordingWorkflows]:
    workflows = RecordingWorkflows()
    return LabExperiments(world.tenancy, world.inventory, world.lab, workflows, world.clock, poll_seconds=3,
                          ledger=world.ledger), workflows


def test_a_live_switch_start_records_the_experiment_and_passes_the_role_to_the_state_machine(world):
    experiments, workflows = start(world)

    started = experiments.start_live_switch("admin:root", ORG, A, model_id="mdl-a")

    payload = workflows.started[started["experiment_id"]]
    assert (payload["instance_id"], payload["role_arn"], payload["external_id"], payload["region"],
            payload["poll_seconds"], payload["dry_run"]) == (A, ROLE, "ext-1", "us-east-1", 3, False)
    stored = experiments.experiment(started["experiment_id"])
    assert (stored["status"], stored["model_id"], stored["telemetry"]["steps"]) == ("starting", "mdl-a", [])
    # And the tenant's audit chain says a platform admin started it on its instance
    (audited,) = world.ledger.chains[ORG]
    assert (audited.actor, audited.action, audited.resource_id) == ("admin:root", "lab.live_switch.started", A)


@pytest.mark.parametrize(("org", "instance_id", "change", "field"), [
    ("org-nope", A, None, "org_id"),
    (ORG, "i-0eeeeeeeeeeeeeee5", None, "instance_id"),
    (ORG, A, "unlinked", "instance_id"),
    (ORG, A, "spot", "instance_id"),
])
def test_a_live_switch_of_an_instance_not_the_orgs_linked_on_demand_one_is_refused(world, org, instance_id, change,
                                                                                  field):
    if change == "unlinked":
        account = world.tenancy.accounts[(ORG, "acct-1")]
        world.tenancy.accounts[(ORG, "acct-1")] = replace(account, status=AccountStatus.PENDING)
    if change == "spot":
        world.inventory.upsert_instances(ORG, [instance(A, "m5.xlarge", "us-east-1a", lifecycle="spot")], world.now)
    experiments, workflows = start(world)

    with pytest.raises(InvalidInput) as caught:
        experiments.start_live_switch("admin:root", org, instance_id)

    assert caught.value.field == field
    assert workflows.started == {} and world.lab.items == {} and ORG not in world.ledger.chains


def test_the_optimization_risk_step_scores_tagged_instances_by_their_model_alone(world, models):
    from spothive.domain.jobs import Job
    from spothive.services.hive_mind import HiveMind
    from spothive.services.optimization import OptimizationSteps, StepInput
    from tests.support.fakes import MemoryAgentActions, MemoryHeartbeats, MemoryJobsRepo, MemorySignals, SafeMode

    # Given a cluster with one instance tagged for model B and one untagged
    world.inventory.upsert_instances(ORG, [
        instance(A, "m5.xlarge", "us-east-1a", cluster_name="prod", tags={"eks:cluster-name": "prod"}),
        instance(B, "c5.2xlarge", "us-east-1b", cluster_name="prod",
                 tags={"eks:cluster-name": "prod", MODEL_TAG: "mdl-b"})], world.now)
    cluster_id = world.inventory.list_instances(ORG)[0].instance.cluster_id
    jobs = MemoryJobsRepo(world.ledger, world.clock)
    jobs.jobs[(ORG, "job-1")] = Job(ORG, "job-1", cluster_id, "running", "user:u-1", False, world.now, world.now,
                                    data={"detect": {"basis": "spot-only", "plan": None, "spot": []}})
    router = ModelRouter(models["production"], lambda model_id: models[model_id], world.lab, FixedCatalogs(),
                         world.clock)
    step = OptimizationSteps(jobs, world.inventory, FixedCatalogs(), world.snapshots, models["production"],
                             HiveMind(MemorySignals(), world.clock), MemoryHeartbeats(world.clock),
                             MemoryAgentActions(), SafeMode(False), world.clock, router=router)

    # When the risk step runs
    step.assess_risk(StepInput(ORG, cluster_id, "job-1"))

    # Then B's instance was scored by B and recorded; A's untagged instance is not routed
    routed = jobs.get(ORG, "job-1").data["risk"]["instances"]
    assert [(r["instance_id"], r["model_id"]) for r in routed] == [(B, "mdl-b")]
    assert models["mdl-b"].seen == [("us-east-1b", "c5.2xlarge")] and models["mdl-a"].seen == []
    assert [i["model_id"] for i in world.lab.items.values() if i["kind"] == "prediction"] == ["mdl-b"]


def test_stopping_a_test_removes_its_routing_tags_and_later_interruptions_no_longer_count(world, models):
    tests, ec2 = lab(world, models)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]
    observer = ArmObserver(world.lab, world.clock)
    world.clock.advance(timedelta(hours=1))
    assert observer.observe(B, world.clock.now(), "EC2 Spot Instance Interruption Warning") is True
    world.clock.advance(timedelta(hours=1))
    ec2.calls.clear()

    # When a super admin stops it
    stopped = tests.stop("admin:root", test_id)

    # Then both tags are removed where they still name the test's models, in the account and the inventory copy
    assert ec2.calls == [("untag", f"{A}:{MODEL_TAG}=mdl-a"), ("untag", f"{B}:{MODEL_TAG}=mdl-b")]
    assert {s.instance.instance_id: s.instance.tags for s in world.inventory.list_instances(ORG)} == {A: {}, B: {}}
    stamp = world.clock.now().isoformat(timespec="milliseconds")
    assert stopped == {"test_id": test_id, "status": "stopped", "stopped_by": "admin:root", "stopped_at": stamp,
                       "untagged": [{"instance_id": A, "account": "untagged", "inventory": True},
                                    {"instance_id": B, "account": "untagged", "inventory": True}]}
    # And the test and both arms are stopped, with who and when
    test = world.lab.get(test_id)
    assert (test["status"], test["telemetry"]["stopped_by"], test["telemetry"]["stopped_at"]) == (
        "stopped", "admin:root", stamp)
    arms = [world.lab.get(f"ab-instance#{i}") for i in (A, B)]
    assert [(a["status"], a["telemetry"]["stopped_at"]) for a in arms] == [("stopped", stamp)] * 2
    # And the tenant's chain records it after the configuration
    assert [r.action for r in world.ledger.chains[ORG]] == ["lab.ab_test.configured", "lab.ab_test.stopped"]
    assert world.ledger.chains[ORG][-1].after["untagged"] == stopped["untagged"]

    # When B is interrupted again after the stop
    world.clock.advance(timedelta(minutes=5))
    assert observer.observe(B, world.clock.now(), "EC2 Spot Instance Interruption Warning") is False

    # Then the results still count only the interruption seen while it ran
    results = tests.results(test_id)
    by_model = {m["model_id"]: m for m in results["models"]}
    assert (results["status"], results["stopped_at"], results["stopped_by"]) == ("stopped", stamp, "admin:root")
    assert (by_model["mdl-a"]["observed_interruptions"], by_model["mdl-b"]["observed_interruptions"]) == (0, 1)


def test_stopping_twice_is_a_conflict_and_an_unknown_test_is_not_found(world, models):
    from spothive.domain.errors import Conflict

    tests, ec2 = lab(world, models)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]
    tests.stop("admin:root", test_id)
    ec2.calls.clear()

    with pytest.raises(Conflict) as again:
        tests.stop("admin:other", test_id)
    assert again.value.field == "test_id" and ec2.calls == []
    assert [r.action for r in world.ledger.chains[ORG]] == ["lab.ab_test.configured", "lab.ab_test.stopped"]
    with pytest.raises(NotFound) as unknown:
        tests.stop("admin:root", "ab-nope")
    assert unknown.value.field == "test_id"
    # an arm record is not a test
    with pytest.raises(NotFound):
        tests.stop("admin:root", f"ab-instance#{A}")


def test_stopping_leaves_a_tag_another_model_took_and_reports_an_unlinked_account(world, models):
    tests, ec2 = lab(world, models)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]
    # Given A was retagged for another model meanwhile, and the account was unlinked
    world.inventory.upsert_instances(ORG, [instance(A, "m5.xlarge", "us-east-1a", tags={MODEL_TAG: "mdl-z"}),
                                           instance(B, "c5.2xlarge", "us-east-1b", tags={MODEL_TAG: "mdl-b"})],
                                     world.now)
    account = world.tenancy.accounts[(ORG, "acct-1")]
    world.tenancy.accounts[(ORG, "acct-1")] = replace(account, role_arn=None)
    ec2.calls.clear()

    stopped = tests.stop("admin:root", test_id)

    # Then nothing is called in the account, A keeps the other model's tag, B's copy stops routing
    assert ec2.calls == []
    assert stopped["untagged"] == [
        {"instance_id": A, "account": "skipped: account no longer linked", "inventory": False},
        {"instance_id": B, "account": "skipped: account no longer linked", "inventory": True}]
    tags = {s.instance.instance_id: s.instance.tags for s in world.inventory.list_instances(ORG)}
    assert tags == {A: {MODEL_TAG: "mdl-z"}, B: {}}
    assert world.lab.get(test_id)["status"] == "stopped"


def test_an_experiment_is_read_by_super_admins_and_its_own_org_only(world):
    from spothive.domain.tenancy import Role
    from tests.unit.services.helpers import principal

    experiments, _ = start(world)
    started = experiments.start_live_switch("admin:root", ORG, A)
    admin, own, other = principal("platform", "u-0", Role.SUPER_ADMIN), principal(ORG), principal("org-2", "u-2")

    assert experiments.experiment(started["experiment_id"], admin)["org_id"] == ORG
    assert experiments.experiment(started["experiment_id"], own)["instance_id"] == A
    with pytest.raises(NotFound) as hidden:
        experiments.experiment(started["experiment_id"], other)
    assert hidden.value.field == "experiment_id"
