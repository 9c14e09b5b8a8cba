"""The live-switch experiment (lab): move one EC2 instance to Spot carrying everything it is, and measure it.

Steps (each a task of the ``live-switch`` state machine, each returning the whole state): ``prepare``
(describe the instance: subnet, security groups, instance profile, key pair, tags, root and data volumes),
``stop`` then ``check_stopped`` (polled), ``detach_volumes`` then ``check_detached`` (polled),
``launch_spot`` (snapshot the root volume; RunInstances as Spot with the same AMI, type, subnet, groups,
profile, key pair, user data and tags, the root from the snapshot; the experiment id is the client token,
so a retry launches nothing new), ``check_running`` (polled), ``attach_volumes`` (the data volumes at their
old device names), ``verify`` (polled health check: running on Spot, every data volume attached, both EC2
status checks ``ok``), and on failure ``rollback`` then ``check_rollback`` (polled: the replacement's volumes
detached and the replacement terminated, the volumes back on the original, the original started). ``record``
writes the outcome. Every step appends ``{"step", "started_at", "duration_ms", "result"}`` to
``telemetry["steps"]`` and saves the experiment, so it can be watched while it runs; each save is then
handed to the :class:`~spothive.ports.streams.LabPublisher` (on AWS: pushed to the sockets following the
experiment), best effort. Under SAFE_MODE every step is a recorded dry run that changes nothing; ``record``
then writes the dry run to the tenant's audit ledger (``lab.live_switch.dry_run``: the steps it would have
run and why), as the optimizer's dry run does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import DependencyFailed, InvalidInput, ServiceUnavailable, SpotHiveError
from spothive.domain.switch import InstanceFacts, step_entry
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.lab import LabRepo, SwitchCloud, SwitchGateway
from spothive.ports.pricing import CatalogSource
from spothive.ports.safety import SafeModeFlag
from spothive.ports.streams import LabPublisher
from spothive.services.safe_mode import PLATFORM_ORG, SafeModeService
from spothive.services.step_errors import error_summary

LOG = logging.getLogger(__name__)

State = dict[str, Any]
Step = Callable[[SwitchGateway, State], str]

#: Polled steps and the flag each sets once its wait is over (a dry run sets it at once).
POLLED = {"check_stopped": "stopped", "check_detached": "detached", "check_running": "running",
          "verify": "healthy", "check_rollback": "rollback_done"}
#: A polled step gives up after this many looks (the state machine's Wait sets the pace).
MAX_POLLS = 120
#: The actor of a live switch's audit records (the state machine acts, started by a platform admin).
SYSTEM_ACTOR = "system:live-switch"


class SwitchFailed(SpotHiveError):
    """The Spot replacement did not come up healthy."""

    code = "switch_failed"
    status = 502


class LiveSwitch:
    """Use cases behind ``live_switch_steps.handler``."""

    def __init__(self, cloud: SwitchCloud, lab: LabRepo, catalogs: CatalogSource, safe_mode: SafeModeFlag,
                 clock: Clock, *, global_safe_mode: bool = False, safe_modes: SafeModeService | None = None,
                 publisher: LabPublisher | None = None, ledger: AuditLedger | None = None) -> None:
        self._ledger = ledger
        self._safe_modes = safe_modes
        self._publisher = publisher
        self._cloud = cloud
        self._lab = lab
        self._catalogs = catalogs
        self._safe_mode = safe_mode
        self._clock = clock
        self._global_safe_mode = global_safe_mode
        self._steps: dict[str, Step] = {
            "prepare": self._prepare, "stop": self._stop, "check_stopped": self._check_stopped,
            "detach_volumes": self._detach, "check_detached": self._check_detached,
            "launch_spot": self._launch_spot, "check_running": self._check_running,
            "attach_volumes": self._attach, "verify": self._verify,
            "rollback": self._rollback, "check_rollback": self._check_rollback,
        }

    def run(self, step: str, state: Mapping[str, Any]) -> State:
        """Run ``step`` on ``state`` and return the next state."""
        current = dict(state)
        for name in ("experiment_id", "instance_id", "role_arn"):
            if not isinstance(current.get(name), str) or not current[name]:
                raise InvalidInput(f"{name} is required", field=name)
        current.setdefault("poll_seconds", 1)
        current.setdefault("region", "us-east-1")
        if step == "record":
            return self._record(current)
        if step not in self._steps:
            raise InvalidInput(f"unknown step {step!r}", field="step")
        if step == "prepare":
            current["dry_run"] = self._dry_run_reason(current)
            current["log"] = []
        if step == "rollback" and current.get("failed_step"):
            current = self._log_failure(current)
        started = self._clock.now()
        if current.get("dry_run") and step != "prepare":
            result = self._dry(step, current)
        else:
            result = self._steps[step](self._open(current), current)
        if step in POLLED:
            current["polls"] = 0 if current.get(POLLED[step]) else int(current.get("polls") or 0) + 1
            if current["polls"] > MAX_POLLS:
                raise SwitchFailed(f"{step} still waiting after {MAX_POLLS} looks ({result})")
        took = (self._clock.now() - started).total_seconds() * 1000
        current["log"] = [*current.get("log", []), step_entry(step, _iso(started), round(took), result)]
        self._save(current, "running")
        return current

    def _open(self, state: State) -> SwitchGateway:
        return self._cloud.open(state["role_arn"], str(state.get("external_id") or ""), state["region"])

    def _dry_run_reason(self, state: Mapping[str, Any]) -> str | None:
        if state.get("dry_run") is True:
            return "dry_run requested"
        if self._global_safe_mode:
            return "SAFE_MODE setting"
        org_id = self._org(state)
        if self._safe_modes is not None and isinstance(org_id, str) and org_id:
            # the tenant's and the instance's cluster's levels count as much as the global one
            cluster_id = state.get("cluster_id")
            return self._safe_modes.effective(org_id, cluster_id if isinstance(cluster_id, str) else None).reason()
        try:
            return "SAFE_MODE flag" if self._safe_mode.is_on() else None
        except ServiceUnavailable:
            return "SAFE_MODE flag unreadable (cache unavailable): assumed on"

    def _org(self, state: Mapping[str, Any]) -> str | None:
        """The experiment's org: in the state, else (an older input) in the experiment record."""
        record = self._lab.get(str(state["experiment_id"])) or {} if not state.get("org_id") else {}
        org_id = state.get("org_id") or record.get("org_id") or (record.get("telemetry") or {}).get("org_id")
        return org_id if isinstance(org_id, str) and org_id else None

    def _dry(self, step: str, state: State) -> str:
        """What the step would do, recorded; the instance is only described (in ``prepare``)."""
        if step in POLLED:
            state[POLLED[step]] = True
        state.setdefault("would", []).append(step)
        return "dry_run"

    def _log_failure(self, state: State) -> State:
        """The step the state machine caught failing, timed from the end of the last logged step."""
        log = state.get("log") or []
        since = state.get("telemetry", {}).get("started_at") or _iso(self._clock.now())
        if log:
            last = log[-1]
            since = _iso(datetime.fromisoformat(last["started_at"]) + timedelta(milliseconds=last["duration_ms"]))
        took = (self._clock.now() - datetime.fromisoformat(since)).total_seconds() * 1000
        summary = error_summary(state.get("error")) or "failed"
        state["log"] = [*log, step_entry(str(state["failed_step"]), since, round(took), f"failed: {summary}")]
        return state

    # ---- steps ---------------------------------------------------------------------------------------
    def _prepare(self, gateway: SwitchGateway, state: State) -> str:
        facts = gateway.describe(state["instance_id"])
        if facts.state != "running":
            raise InvalidInput(f"instance {facts.instance_id} is {facts.state}, not running", field="instance_id")
        if facts.lifecycle == "spot":
            raise InvalidInput(f"instance {facts.instance_id} already runs on Spot", field="instance_id")
        state["instance"] = asdict(replace(facts, user_data=None))  # read again at launch, never carried
        state["stopped"] = False
        state["telemetry"] = {"started_at": _iso(self._clock.now()), **self._prices(facts, str(state["region"]))}
        return f"{facts.instance_type} in {facts.zone}, {len(facts.data_volumes)} data volume(s)"

    def _stop(self, gateway: SwitchGateway, state: State) -> str:
        state["stopped"] = False
        return gateway.stop(state["instance_id"])

    def _check_stopped(self, gateway: SwitchGateway, state: State) -> str:
        current = gateway.describe(state["instance_id"]).state
        state["stopped"] = current == "stopped"
        return current

    def _detach(self, gateway: SwitchGateway, state: State) -> str:
        facts = InstanceFacts.from_dict(state["instance"])
        attached = gateway.volume_attachments([v.volume_id for v in facts.data_volumes])
        for volume in facts.data_volumes:
            if attached.get(volume.volume_id) == facts.instance_id:
                gateway.detach_volume(volume.volume_id, facts.instance_id)
        state["detached"] = False
        return f"detaching {len(facts.data_volumes)} volume(s)"

    def _check_detached(self, gateway: SwitchGateway, state: State) -> str:
        volumes = [v.volume_id for v in InstanceFacts.from_dict(state["instance"]).data_volumes]
        attached = gateway.volume_attachments(volumes)
        busy = sorted(v for v in volumes if attached.get(v))
        state["detached"] = not busy
        return "detached" if not busy else f"waiting for {', '.join(busy)}"

    def _launch_spot(self, gateway: SwitchGateway, state: State) -> str:
        facts = InstanceFacts.from_dict(state["instance"])
        if facts.root_volume_id:
            state["snapshot_id"] = state.get("snapshot_id") or gateway.snapshot_root(
                facts.root_volume_id, f"SpotHive live switch {state['experiment_id']}")
        # read now, not carried in the state: user data can hold secrets the execution history must not
        with_user_data = InstanceFacts.from_dict({**state["instance"],
                                                  "user_data": gateway.user_data(facts.instance_id)})
        spot_id = gateway.launch_spot(with_user_data, state.get("snapshot_id"), state["experiment_id"])
        state["spot_instance_id"], state["running"] = spot_id, False
        return spot_id

    def _check_running(self, gateway: SwitchGateway, state: State) -> str:
        spot = gateway.describe(state["spot_instance_id"])
        if spot.state in ("shutting-down", "terminated", "stopped", "stopping"):
            raise SwitchFailed(f"Spot instance {spot.instance_id} is {spot.state}")
        state["running"] = spot.state == "running"
        return spot.state

    def _attach(self, gateway: SwitchGateway, state: State) -> str:
        facts = InstanceFacts.from_dict(state["instance"])
        attached = gateway.volume_attachments([v.volume_id for v in facts.data_volumes])
        for volume in facts.data_volumes:
            if attached.get(volume.volume_id) != state["spot_instance_id"]:
                gateway.attach_volume(volume.volume_id, state["spot_instance_id"], volume.device)
        state["healthy"] = False
        return f"attaching {len(facts.data_volumes)} volume(s)"

    def _verify(self, gateway: SwitchGateway, state: State) -> str:
        facts = InstanceFacts.from_dict(state["instance"])
        spot = gateway.describe(state["spot_instance_id"])
        if spot.state != "running" or spot.lifecycle != "spot":
            raise SwitchFailed(f"Spot instance {spot.instance_id} is {spot.state} ({spot.lifecycle})")
        on_spot = {v.volume_id: v.device for v in spot.data_volumes}
        missing = sorted(v.volume_id for v in facts.data_volumes if on_spot.get(v.volume_id) != v.device)
        health = gateway.health(spot.instance_id)
        if health == "impaired":
            raise SwitchFailed(f"Spot instance {spot.instance_id} fails its status checks")
        state["healthy"] = health == "ok" and not missing
        if state["healthy"]:
            state["telemetry"]["running_at"] = _iso(self._clock.now())
            state["verified"] = True
            return "healthy"
        return f"status checks {health}" + (f", waiting for {', '.join(missing)}" if missing else "")

    def _rollback(self, gateway: SwitchGateway, state: State) -> str:
        """Free the data volumes from the replacement and terminate it; ``check_rollback`` finishes."""
        state["rollback_done"] = False
        spot_id = state.get("spot_instance_id")
        if not spot_id or "instance" not in state:
            return "nothing launched"
        facts = InstanceFacts.from_dict(state["instance"])
        attached = gateway.volume_attachments([v.volume_id for v in facts.data_volumes])
        for volume in facts.data_volumes:
            if attached.get(volume.volume_id) == spot_id:
                gateway.detach_volume(volume.volume_id, spot_id)
        gateway.terminate(spot_id)
        return f"terminating {spot_id}"

    def _check_rollback(self, gateway: SwitchGateway, state: State) -> str:
        """Once the volumes are free and the original stopped: reattach them and start the original."""
        if "instance" not in state:
            state["rollback_done"], state["rolled_back"] = True, True
            return "nothing to undo"
        facts = InstanceFacts.from_dict(state["instance"])
        try:
            original = gateway.describe(facts.instance_id).state
            attached = gateway.volume_attachments([v.volume_id for v in facts.data_volumes])
            elsewhere = sorted(v for v, on in attached.items() if on and on != facts.instance_id)
            if elsewhere or original in ("stopping", "pending", "shutting-down"):
                state["rollback_done"] = False
                return f"waiting (original {original}" + (f", {', '.join(elsewhere)} in use)" if elsewhere else ")")
            for volume in facts.data_volumes:
                if attached.get(volume.volume_id) != facts.instance_id:
                    gateway.attach_volume(volume.volume_id, facts.instance_id, volume.device)
            if original == "stopped":
                gateway.start(facts.instance_id)
            state["rolled_back"] = True
        except DependencyFailed as exc:  # record what happened rather than fail the record step
            state["rolled_back"] = False
            state["rollback_error"] = exc.message
        state["rollback_done"] = True
        return "original restarted" if state["rolled_back"] else f"failed: {state['rollback_error']}"

    # ---- record --------------------------------------------------------------------------------------
    def _prices(self, facts: InstanceFacts, region: str) -> dict[str, float | None]:
        catalog = self._catalogs.catalog(region)
        return {"price_before": catalog.price(facts.instance_type, "on-demand", None),
                "price_after": catalog.price(facts.instance_type, "spot", facts.zone)}

    def _outcome(self, state: State) -> str:
        if state.get("dry_run"):
            return "dry_run"
        if state.get("error"):
            return "rolled_back" if state.get("rolled_back") else "failed"
        return "switched"

    def _save(self, state: State, status: str) -> None:
        now = self._clock.now()
        telemetry = dict(state.get("telemetry") or {})
        telemetry.setdefault("started_at", _iso(now))
        telemetry.setdefault("price_before", None)
        telemetry.setdefault("price_after", None)
        item = {
            "experiment_id": state["experiment_id"], "kind": "live-switch", "status": status,
            "org_id": state.get("org_id") or None, "model_id": str(state.get("model_id") or "none"), "created_at": state.get("created_at")
            or telemetry["started_at"], "instance_id": state["instance_id"],
            "spot_instance_id": state.get("spot_instance_id"),
            "telemetry": {**telemetry, "steps": state.get("log", []), "dry_run": state.get("dry_run"),
                          "would": state.get("would", []), "error": error_summary(state.get("error")),
                          "rollback_error": state.get("rollback_error")},
        }
        self._lab.save(state["experiment_id"], item)
        self._publish(state, item)

    def _publish(self, state: State, item: Mapping[str, Any]) -> None:
        """Hand the saved record to the stream with the cursor its followers were last sent (kept in the
        state, so a retried step re-sends rather than skips); a stream that fails never fails a step."""
        if self._publisher is None:
            return
        try:
            state["stream_cursor"] = self._publisher.lab_saved(item, state.get("stream_cursor") or "0:starting")
        except Exception:  # the record is the truth; a follower catches up with a poll
            LOG.warning("lab stream publish failed for %s", state["experiment_id"], exc_info=True)

    def _record(self, state: State) -> State:
        """Telemetry (steps, prices, outcome) into ``lab-experiments``; the state says the outcome."""
        if state.get("rollback_failure"):  # the rollback task itself raised
            state["rolled_back"] = False
            state["rollback_error"] = error_summary(state["rollback_failure"])
        state.setdefault("telemetry", {})["finished_at"] = _iso(self._clock.now())
        if state.get("error") and state.get("failed_step") and not any(
                e["result"].startswith("failed") for e in state.get("log", [])):
            state = self._log_failure(state)
        outcome = self._outcome(state)
        if outcome == "dry_run":
            self._audit_dry_run(state)
        self._save(state, outcome)
        state["outcome"] = outcome
        return state

    def _audit_dry_run(self, state: State) -> None:
        """The tenant's chain (the platform's for an experiment of no org) records what was not done."""
        if self._ledger is None:
            return
        self._ledger.write(self._org(state) or PLATFORM_ORG, AuditEntry(
            SYSTEM_ACTOR, "lab.live_switch.dry_run", "instance", str(state["instance_id"]),
            after={"experiment_id": state["experiment_id"], "would": list(state.get("would", [])),
                   "safe_mode": state.get("dry_run")},
            reason=f"dry run: nothing changed ({state.get('dry_run')})"))


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")

