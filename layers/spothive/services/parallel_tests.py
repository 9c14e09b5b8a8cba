"""A/B tests of two risk models on two instances (``POST /api/lab/parallel``, ``GET /api/lab/parallel/{id}``).

Configuring one tags each instance ``spothive:model=<its model>`` in the customer's account (and in SpotHive's
inventory copy, so routing needs no wait for the next discovery), records the test, and scores both
instances once through the tag router. Interruption warnings for an instance under test are recorded
against its model (``ArmObserver``, from the Spot-events worker); results set each model's predictions beside the interruptions that
followed them (calibration). Stopping one (``POST /api/lab/parallel/{id}/stop``) removes the routing tags it
set, in the account and in the inventory copy, and marks the arms and the test ``stopped``: interruptions
after that no longer count.

Under SAFE_MODE (global, the tenant's, or the cluster of either instance) configure and stop are dry runs:
the ledger records what would have been tagged or untagged and why, and nothing is changed — no tag in the
account, no inventory copy, no arm record (so no interruption is counted), no scoring. A dry-run configure
keeps its test record as ``dry_run`` (stopping it is a 409); a dry-run stop leaves the test ``running``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.calibration import calibration
from spothive.domain.errors import Conflict, DependencyFailed, InvalidInput, NotFound
from spothive.domain.inventory import DiscoveredInstance
from spothive.domain.model_registry import ModelStatus
from spothive.domain.risk_signals import parse_signal
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo
from spothive.ports.lab import LabRepo, SwitchCloud
from spothive.ports.risk import ModelRegistry
from spothive.ports.tenancy import TenancyRepo
from spothive.services.lab_experiments import linked_instance
from spothive.services.model_routing import MODEL_TAG, ModelRouter
from spothive.services.safe_mode import SafeModeService

#: Models an A/B test may route to: validated ones (candidates) and the production model.
TESTABLE = (ModelStatus.CANDIDATE, ModelStatus.PRODUCTION)
#: An interruption counts against a prediction when it comes within this long after it.
OUTCOME_WINDOW = timedelta(days=30)


def _arm_key(instance_id: str) -> str:
    """The record that says which test and model an instance belongs to (one GetItem per Spot event)."""
    return f"ab-instance#{instance_id}"


class ParallelTests:
    """Configure A/B tests, record what happens to their instances, and compare the models."""

    def __init__(self, tenancy: TenancyRepo, inventory: InventoryRepo, registry: ModelRegistry, lab: LabRepo,
                 cloud: SwitchCloud, router: ModelRouter, clock: Clock, *, ledger: AuditLedger | None = None,
                 safe_modes: SafeModeService | None = None) -> None:
        self._ledger = ledger
        self._safe_modes = safe_modes
        self._tenancy = tenancy
        self._inventory = inventory
        self._registry = registry
        self._lab = lab
        self._cloud = cloud
        self._router = router
        self._clock = clock

    def configure(self, actor: str, org_id: str, instance_a: str, model_a: str, instance_b: str,
                  model_b: str) -> dict[str, Any]:
        """Tag, record and score once; ``{"test_id", "arms", "predictions"}``."""
        if instance_a == instance_b:
            raise InvalidInput("the two arms need two different instances", field="instance_b")
        if model_a == model_b:
            raise InvalidInput("the two arms need two different models", field="model_b")
        for field, model_id in (("model_a", model_a), ("model_b", model_b)):
            record = self._registry.get(model_id)
            if record is None or record.status not in TESTABLE:
                state = "unknown" if record is None else str(record.status)
                raise InvalidInput(f"model {model_id} is {state}; a test needs a candidate or production model",
                                   field=field)
        arms = []
        for arm, field, instance_id, model_id in (("a", "instance_a", instance_a, model_a),
                                                  ("b", "instance_b", instance_b, model_b)):
            instance, account = linked_instance(self._tenancy, self._inventory, org_id, instance_id, field)
            arms.append((arm, instance, account, model_id))
        test_id = f"ab-{uuid.uuid4().hex[:16]}"
        now = self._clock.now()
        described = [{"arm": arm, "instance_id": i.instance_id, "model_id": m, "instance_type": i.instance_type,
                      "zone": i.zone} for arm, i, _, m in arms]
        why = self._safe_mode(org_id, [i for _, i, _, _ in arms])
        if why is not None:
            would = [{"instance_id": i.instance_id, "tag": {MODEL_TAG: m}} for _, i, _, m in arms]
            self._lab.save(test_id, {
                "kind": "ab-test", "status": "dry_run", "model_id": model_a, "created_at": _iso(now),
                "org_id": org_id, "instance_id": instance_a, "telemetry": {
                    "org_id": org_id, "arms": described, "requested_by": actor, "started_at": _iso(now),
                    "safe_mode": why, "would": would}})
            self._dry_run(actor, org_id, test_id, "configure", why, would)
            return {"test_id": test_id, "mode": "dry_run", "safe_mode": why, "arms": described, "would": would,
                    "predictions": []}
        tagged = []
        for arm, instance, account, model_id in arms:
            assert account.role_arn is not None
            gateway = self._cloud.open(account.role_arn, account.external_id or "", instance.region)
            gateway.tag(instance.instance_id, {MODEL_TAG: model_id})
            routed = replace(instance, tags={**instance.tags, MODEL_TAG: model_id})
            self._inventory.upsert_instances(org_id, [routed], now)
            self._lab.save(_arm_key(instance.instance_id), {
                "kind": "ab-arm", "status": "running", "model_id": model_id, "created_at": _iso(now), "org_id": org_id,
                "instance_id": instance.instance_id, "telemetry": {"test_id": test_id, "arm": arm, "org_id": org_id}})
            tagged.append(routed)
        self._lab.save(test_id, {
            "kind": "ab-test", "status": "running", "model_id": model_a, "created_at": _iso(now),
            "org_id": org_id, "instance_id": instance_a, "telemetry": {"org_id": org_id, "arms": described, "requested_by": actor,
                                                     "started_at": _iso(now)}})
        if self._ledger is not None:  # the tenant's chain: two of its instances were tagged
            self._ledger.write(org_id, AuditEntry(actor, "lab.ab_test.configured", "ab-test", test_id,
                                                  after={"arms": described}))
        return {"test_id": test_id, "arms": described, "predictions": self._router.score(org_id, tagged)}

    def stop(self, actor: str, test_id: str) -> dict[str, Any]:
        """End a running test: untag both instances (account and inventory copy), mark arms and test stopped."""
        test = self._test(test_id)
        if test["status"] != "running":
            raise Conflict(f"A/B test {test_id} is already {test['status']}", field="test_id")
        telemetry = test["telemetry"]
        org_id = str(telemetry["org_id"])
        now = self._clock.now()
        found = {str(arm["instance_id"]): self._found(org_id, str(arm["instance_id"])) for arm in telemetry["arms"]}
        why = self._safe_mode(org_id, [i for i in found.values() if i is not None])
        if why is not None:
            would = [{"instance_id": arm["instance_id"], "untag": {MODEL_TAG: arm["model_id"]},
                      "discovered": found[str(arm["instance_id"])] is not None} for arm in telemetry["arms"]]
            self._dry_run(actor, org_id, test_id, "stop", why, would)
            return {"test_id": test_id, "status": "running", "mode": "dry_run", "safe_mode": why, "would": would}
        stopped = {"stopped_by": actor, "stopped_at": _iso(now)}
        untagged = [self._untag(org_id, arm, found[str(arm["instance_id"])], now) for arm in telemetry["arms"]]
        for arm in telemetry["arms"]:
            key = _arm_key(arm["instance_id"])
            record = self._lab.get(key)
            # an instance a newer test took over keeps that test's arm
            if record is not None and record["telemetry"].get("test_id") == test_id:
                self._lab.save(key, {**record, "status": "stopped", "telemetry": {**record["telemetry"], **stopped}})
        # only over the running record: of two stops racing, one wins and the other is a 409
        self._lab.save(test_id, {**test, "status": "stopped", "telemetry": {**telemetry, **stopped}},
                       expect_status="running")
        if self._ledger is not None:  # the tenant's chain: its two instances lose the routing tag
            self._ledger.write(org_id, AuditEntry(actor, "lab.ab_test.stopped", "ab-test", test_id,
                                                  before={"status": "running"},
                                                  after={"status": "stopped", "untagged": untagged}))
        return {"test_id": test_id, "status": "stopped", **stopped, "untagged": untagged}

    def _safe_mode(self, org_id: str, instances: list[DiscoveredInstance]) -> str | None:
        """Why the test's change is a dry run: the global or tenant level, or either instance's cluster."""
        if self._safe_modes is None:
            return None
        clusters: list[str | None] = [*sorted({i.cluster_id for i in instances if i.cluster_id})] or [None]
        reasons: list[str] = []
        for cluster_id in clusters:
            why = self._safe_modes.effective(org_id, cluster_id).reason()
            if why is not None and why not in reasons:
                reasons.append(why)
        return "; ".join(reasons) or None

    def _dry_run(self, actor: str, org_id: str, test_id: str, step: str, why: str,
                 would: list[dict[str, Any]]) -> None:
        """The tenant's chain records what the step would have done, as the optimizer's dry run does."""
        if self._ledger is not None:
            self._ledger.write(org_id, AuditEntry(actor, "lab.ab_test.dry_run", "ab-test", test_id,
                                                  after={"step": step, "would": would, "safe_mode": why},
                                                  reason=f"SAFE_MODE: {step} not carried out ({why})"))

    def _found(self, org_id: str, instance_id: str) -> DiscoveredInstance | None:
        return next((s.instance for s in self._inventory.list_instances(org_id)
                     if s.instance.instance_id == instance_id), None)

    def _untag(self, org_id: str, arm: Mapping[str, Any], found: DiscoveredInstance | None,
               now: datetime) -> dict[str, Any]:
        """Remove this arm's routing tag where it still names the arm's model; what was done."""
        instance_id, model_id = str(arm["instance_id"]), str(arm["model_id"])
        if found is None:  # gone from the inventory (terminated): nothing left to route
            return {"instance_id": instance_id, "account": "instance no longer discovered", "inventory": False}
        account = self._tenancy.get_account(org_id, found.account_id)
        done = "untagged"
        if account is None or not account.role_arn:
            done = "skipped: account no longer linked"
        else:
            try:
                gateway = self._cloud.open(account.role_arn, account.external_id or "", found.region)
                gateway.untag(instance_id, {MODEL_TAG: model_id})
            except DependencyFailed as exc:  # the inventory copy still stops routing; the tag is reported left
                done = f"failed: {exc.message}"
        routed = found.tags.get(MODEL_TAG) == model_id
        if routed:
            self._inventory.upsert_instances(org_id, [replace(found, tags={
                k: v for k, v in found.tags.items() if k != MODEL_TAG})], now)
        return {"instance_id": instance_id, "account": done, "inventory": routed}

    def _test(self, test_id: str) -> dict[str, Any]:
        test = self._lab.get(test_id)
        if test is None or test["kind"] != "ab-test":
            raise NotFound(f"no A/B test {test_id}", field="test_id")
        return test

    def results(self, test_id: str) -> dict[str, Any]:
        """Per model: its predictions, the interruptions observed on its instance, and calibration."""
        test = self._test(test_id)
        since = test["created_at"]
        # EventBridge stamps a Spot warning to the second: one in the test's own second belongs to it
        window_start = _iso(datetime.fromisoformat(since).replace(microsecond=0))
        until = test["telemetry"].get("stopped_at")
        models = []
        for arm in test["telemetry"]["arms"]:
            records = [r for r in self._lab.by_model(arm["model_id"], window_start)
                       if r["instance_id"] == arm["instance_id"] and (until is None or r["created_at"] <= until)]
            predictions = [r["telemetry"] for r in records if r["kind"] == "prediction"]
            interruptions = [r["created_at"] for r in records if r["kind"] == "interruption"]
            pairs = [(float(p["interruption_probability"]), _followed(p["at"], interruptions)) for p in predictions]
            models.append({**arm, "predictions": [
                {k: p[k] for k in ("prediction_id", "at", "interruption_probability", "model_version")}
                for p in predictions],
                "observed_interruptions": len(interruptions), "interruptions": interruptions,
                "calibration": calibration(pairs).as_dict()})
        return {"test_id": test_id, "status": test["status"], "created_at": since, "stopped_at": until,
                "stopped_by": test["telemetry"].get("stopped_by"), "models": models}


class ArmObserver:
    """Records Spot interruption signals of instances under an A/B test against their model."""

    def __init__(self, lab: LabRepo, clock: Clock) -> None:
        self._lab = lab
        self._clock = clock

    def observe_event(self, event: Mapping[str, Any]) -> bool:
        """``observe`` for a Spot-events worker event (EventBridge or agent report)."""
        signal = parse_signal(event, self._clock.now())
        if not signal.instance_id:
            return False
        return self.observe(signal.instance_id, signal.observed_at, signal.kind.value)

    def observe(self, instance_id: str, at: datetime, detail_type: str) -> bool:
        """Record a Spot interruption signal for an instance under test; whether it was one."""
        arm = self._lab.get(_arm_key(instance_id))
        if arm is None or arm["status"] != "running":
            return False
        self._lab.save(f"int-{uuid.uuid4().hex[:20]}", {
            "kind": "interruption", "status": "observed", "model_id": arm["model_id"], "created_at": _iso(at),
            "instance_id": instance_id, "telemetry": {**arm["telemetry"], "detail_type": detail_type}})
        return True


def _followed(at: str, interruptions: list[str]) -> bool:
    # EventBridge stamps a Spot warning to the second: one in the prediction's own second follows it
    start = datetime.fromisoformat(at).replace(microsecond=0)
    return any(start <= datetime.fromisoformat(i) <= start + OUTCOME_WINDOW for i in interruptions)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")
