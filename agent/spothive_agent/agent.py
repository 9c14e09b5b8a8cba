"""The agent loop: lead through the Lease, observe (heartbeat, snapshot on change, usage, spot signals),
pull and carry out actions, and fall back to safe mode when the hub stays out of reach.

``step()`` does whatever is due once (tests drive it with a fake clock); ``run()`` adds the watch threads,
the action long-poll and a worker pool, and calls ``step()`` every second."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from spothive_agent import __version__
from spothive_agent.actions import Executor
from spothive_agent.clock import Clock, rfc3339
from spothive_agent.hub import HubClient, HubError
from spothive_agent.inventory import Inventory, digest
from spothive_agent.kube import KINDS, KubeError, KubePort
from spothive_agent.leader import LeaderElector
from spothive_agent.metrics import AgentMetrics
from spothive_agent.nodes_ops import CORDONED_BY, DRAIN_STARTED, uncordon
from spothive_agent.outcome import Outcome
from spothive_agent.usage import from_metrics_server, from_prometheus

Obj = dict[str, Any]
log = logging.getLogger("spothive_agent")
REQUIRED_KINDS = ("nodes", "pods", "pdbs")
LARGE_SNAPSHOT_BYTES = 1_000_000  # above this, changes are batched to one snapshot per snapshot interval


@dataclass(frozen=True, slots=True)
class LoopConfig:
    """The loop's timings and switches (see ``settings`` for what each means)."""

    cluster_id: str
    namespace: str = "spothive-system"
    lease_name: str = "spothive-agent"
    identity: str = "agent"
    region: str | None = None
    heartbeat_s: float = 30.0
    snapshot_s: float = 60.0
    snapshot_min_s: float = 15.0
    snapshot_max_age_s: float = 600.0
    usage_s: float = 60.0
    actions_wait_s: int = 20
    lease_duration_s: int = 15
    lease_renew_s: float = 5.0
    hub_down_grace_s: float = 300.0
    dry_run: bool = False
    karpenter: bool = False
    max_parallel: int = 4
    prometheus_url: str | None = None


class Agent:
    """One replica of the agent."""

    def __init__(self, config: LoopConfig, port: KubePort, hub: HubClient, clock: Clock,
                 metrics: AgentMetrics | None = None) -> None:
        self.config, self.port, self.hub, self.clock = config, port, hub, clock
        self.metrics = metrics or AgentMetrics()
        self.signals: deque[Obj] = deque(maxlen=1000)
        self.inventory = Inventory(port, clock, self.signals.append)
        self.elector = LeaderElector(port, clock, config.namespace, config.lease_name, config.identity,
                                     config.lease_duration_s)
        self.threaded = False
        self.executor = Executor(port, self.inventory, clock, self.metrics, identity=config.identity,
                                 dry_run=self.dry_run, safe_mode=self.stop_reason, refresh=self._refresh,
                                 karpenter_enabled=config.karpenter)
        started = clock.now()
        self.last_hub_ok: datetime = started
        self.hub_said: Obj = {}
        self.outbox: deque[Obj] = deque(maxlen=1000)
        self.in_safe_mode = False
        self.status_line = "starting"
        self.last_step: datetime = started
        self._due: dict[str, datetime] = {}
        self._snapshot_version = -1
        self._snapshot_digest = ""
        self._snapshot_at: datetime | None = None
        self._snapshot_size = 0
        self._lock = threading.Lock()
        self._watch_stop: threading.Event | None = None
        self.metrics.dry_run.set(1 if config.dry_run else 0)

    # ---- state ---------------------------------------------------------------------------------
    def dry_run(self) -> bool:
        """Mutations only logged: configured so, or the hub's SAFE_MODE says so."""
        return self.config.dry_run or bool(self.hub_said.get("safe_mode") or self.hub_said.get("dry_run"))

    def safe_mode_reason(self) -> str | None:
        """Why no new disruptive action may start, or None."""
        down = (self.clock.now() - self.last_hub_ok).total_seconds()
        if down > self.config.hub_down_grace_s:
            return f"the hub has been unreachable for {int(down)} s (grace {int(self.config.hub_down_grace_s)} s)"
        return None

    def stop_reason(self) -> str | None:
        """Why a disruptive step must not go ahead now: safe mode, or this replica no longer holds the Lease."""
        reason = self.safe_mode_reason()
        if reason is None and not self.elector.is_leader:
            reason = "this replica no longer holds the Lease"
        return reason

    def status(self) -> tuple[bool, Obj]:
        """``/healthz``: healthy while the loop ran within the last minute; the body says what the agent is doing."""
        age = (self.clock.now() - self.last_step).total_seconds()
        mode = "safe_mode" if self.in_safe_mode else ("dry_run" if self.dry_run() else "active")
        return age < 60, {"status": self.status_line, "leader": self.elector.is_leader, "mode": mode,
                          "safe_mode_reason": self.safe_mode_reason(), "identity": self.config.identity,
                          "last_hub_contact": rfc3339(self.last_hub_ok), "version": __version__,
                          "snapshot_digest": self._snapshot_digest or None}

    def _due_now(self, name: str, every_s: float) -> bool:
        now = self.clock.now()
        at = self._due.get(name)
        if at is not None and now < at:
            return False
        self._due[name] = now + timedelta(seconds=every_s)
        return True

    def _refresh(self) -> None:
        if not self.threaded:
            self.inventory.pump()

    def _hub(self, endpoint: str, call: Callable[[], Any]) -> Any:
        self.metrics.hub_requests.labels(endpoint).inc()
        try:
            result = call()
        except HubError as exc:
            self.metrics.hub_errors.labels(endpoint).inc()
            log.warning("hub %s failed: %s", endpoint, exc)
            return None
        self.last_hub_ok = self.clock.now()
        self.metrics.last_sync.set(self.last_hub_ok.timestamp())
        return result if result is not None else True

    # ---- the loop ------------------------------------------------------------------------------
    def step(self) -> None:
        """Do once whatever is due."""
        self.last_step = self.clock.now()
        if self._due_now("lease", self.config.lease_renew_s):
            was = self.elector.is_leader
            if self.elector.try_acquire_or_renew() != was:
                self._leadership_changed(self.elector.is_leader)
        self.metrics.leader.set(1 if self.elector.is_leader else 0)
        if not self.elector.is_leader:
            self.status_line = "standby: another replica holds the Lease"
            return
        if not self.threaded:
            try:
                self.inventory.pump()
            except KubeError as exc:
                log.warning("cannot read the cluster: %s", exc)
        self._check_safe_mode()
        if self._due_now("heartbeat", self.config.heartbeat_s):
            reply = self._hub("heartbeat", lambda: self.hub.heartbeat(self._heartbeat_body()))
            if isinstance(reply, dict):
                self.hub_said = reply
        self._maybe_snapshot()
        if self.config.usage_s > 0 and self._due_now("usage", self.config.usage_s):
            self._send_usage()
        self._flush()
        if not self.threaded:
            self.poll_actions(0)
        self._check_safe_mode()
        if not self.in_safe_mode:
            self.status_line = "leading" + (" (dry run)" if self.dry_run() else "")

    def _heartbeat_body(self) -> Obj:
        _, body = self.status()
        return {"agent_version": __version__, "identity": self.config.identity, "leader": True,
                "mode": body["mode"], "safe_mode_reason": body["safe_mode_reason"],
                "snapshot_digest": self._snapshot_digest or None,
                "snapshot_at": rfc3339(self._snapshot_at) if self._snapshot_at else None,
                "nodes": len(self.inventory.records["nodes"]), "pods": len(self.inventory.records["pods"]),
                "synced": sorted(self.inventory.synced), "results_pending": len(self.outbox)}

    def _maybe_snapshot(self) -> None:
        if not all(k in self.inventory.synced for k in REQUIRED_KINDS):
            return  # PersistentVolumes and Events are optional: a snapshot without them is still right
        now = self.clock.now()
        since = (now - self._snapshot_at).total_seconds() if self._snapshot_at else None
        changed = self.inventory.version != self._snapshot_version
        periodic = self._due_now("snapshot", self.config.snapshot_s)
        min_s = self.config.snapshot_min_s
        if self._snapshot_size > LARGE_SNAPSHOT_BYTES:
            min_s = max(min_s, self.config.snapshot_s)  # a big cluster changes all the time: once a minute is enough
        on_change = changed and (since is None or since >= min_s)
        stale = since is None or since >= self.config.snapshot_max_age_s
        if not (on_change or (periodic and changed) or stale):
            return
        version = self.inventory.version
        snapshot = self.inventory.snapshot(self.config.cluster_id, self.config.region)
        snapshot["generated_at"] = rfc3339(now)
        fingerprint = digest({k: v for k, v in snapshot.items() if k != "generated_at"})
        if fingerprint == self._snapshot_digest and not stale:
            self._snapshot_version = version
            return
        self._snapshot_size = len(json.dumps(snapshot, separators=(",", ":")))
        self.metrics.snapshot_bytes.set(self._snapshot_size)
        if self._hub("snapshot", lambda: self.hub.put_snapshot(snapshot)):
            self._snapshot_version, self._snapshot_digest, self._snapshot_at = version, fingerprint, now
            self.metrics.last_snapshot.set(now.timestamp())

    def _send_usage(self) -> None:
        try:
            if self.config.prometheus_url:
                nodes, pods = from_prometheus(self.config.prometheus_url)
            else:
                nodes, pods = from_metrics_server(self.port)
        except (KubeError, OSError, ValueError, KeyError) as exc:
            log.warning("usage sampling failed: %s", exc)
            return
        if nodes or pods:
            owners = self.inventory.pod_owners()
            pods = [{**p, "owner": owners.get(f"{p['namespace']}/{p['name']}")} for p in pods]  # right-sizing's workload
            body = {"cluster_id": self.config.cluster_id, "collected_at": rfc3339(self.clock.now()),
                    "source": "prometheus" if self.config.prometheus_url else "metrics-server",
                    "nodes": nodes, "pods": pods}
            self._hub("usage", lambda: self.hub.post_usage(body))

    def _flush(self) -> None:
        with self._lock:  # the loop and the action workers both flush; one at a time keeps each result once
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self.signals:
            batch = list(self.signals)
            if self._hub("signals", lambda: self.hub.post_signals(batch)):
                for _ in batch:
                    self.signals.popleft()
        while self.outbox:
            result = self.outbox[0]
            if not self._hub("result", lambda r=result: self.hub.post_result(r["action_id"], r)):
                break
            self.outbox.popleft()

    def poll_actions(self, wait_s: int, submit: Callable[[Obj], None] | None = None) -> int:
        """Fetch actions (long-poll), ack each and execute the ones the hub confirms; returns how many ran."""
        if not self.elector.is_leader or self.safe_mode_reason():
            return 0
        actions = self._hub("actions", lambda: self.hub.get_actions(wait_s))
        ran = 0
        for action in actions if isinstance(actions, list) else []:
            action_id = str(action.get("id", "")) if isinstance(action, dict) else ""
            confirmed = self._hub("ack", lambda a=action_id: self.hub.ack(a)) if action_id else True
            if confirmed is False or confirmed is None:
                log.info("action %s not executed: the hub did not confirm the ack (replay or hub error)", action_id)
                continue
            ran += 1
            (submit or self._execute)(action)
        return ran

    def _execute(self, action: Obj) -> None:
        result = self.executor.execute(action)
        self.outbox.append(result)
        self._flush()

    # ---- safety --------------------------------------------------------------------------------
    def _check_safe_mode(self) -> None:
        reason = self.safe_mode_reason()
        self.metrics.safe_mode.set(1 if reason else 0)
        if reason and not self.in_safe_mode:
            self.in_safe_mode = True
            self.status_line = f"safe mode: {reason}; no new disruptive actions, workloads keep running"
            log.warning("SAFE MODE: %s — no new disruptive actions; undoing cordons no drain has started on", reason)
            self._undo_untouched_cordons()
        elif not reason and self.in_safe_mode:
            self.in_safe_mode = False
            log.warning("hub reachable again: leaving safe mode")

    def _undo_untouched_cordons(self) -> None:
        for node in list(self.inventory.records["nodes"].values()):
            annotations = node.get("annotations") or {}
            if annotations.get(CORDONED_BY) and DRAIN_STARTED not in annotations:
                out = Outcome({"id": f"safe-mode-{node['name']}", "type": "uncordon"}, self.clock, self.dry_run(),
                              self.config.identity)
                try:
                    uncordon(self.port, out, node["name"])
                    log.warning("safe mode: %s", "; ".join(out.done or out.would) or f"{node['name']} left as is")
                except KubeError as exc:
                    log.error("safe mode: could not uncordon %s: %s", node["name"], exc)

    def _leadership_changed(self, leading: bool) -> None:
        log.info("%s is %s", self.config.identity, "now the leader" if leading else "no longer the leader")
        if self.threaded:
            if leading:
                self._start_watches()
            elif self._watch_stop is not None:
                self._watch_stop.set()

    # ---- running for real ----------------------------------------------------------------------
    def _start_watches(self) -> None:
        self._watch_stop = threading.Event()
        for kind in KINDS:
            threading.Thread(target=self.inventory.follow, args=(kind, self._watch_stop), daemon=True,
                             name=f"watch-{kind}").start()

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop``: watches while leading, a long-poll for actions, a pool executing them."""
        self.threaded = True
        pool = ThreadPoolExecutor(max_workers=self.config.max_parallel, thread_name_prefix="action")

        def poller() -> None:
            while not stop.is_set():
                began = time.monotonic()
                ran = self.poll_actions(self.config.actions_wait_s, submit=lambda a: pool.submit(self._execute, a))
                if not ran and time.monotonic() - began < 1.0:
                    stop.wait(2.0)  # standby, safe mode, hub down or a hub that answers at once: do not spin

        threading.Thread(target=poller, daemon=True, name="actions").start()
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # the loop must outlive any one failure; it is logged with its trace
                log.exception("agent step failed")
            stop.wait(1.0)
        pool.shutdown(wait=False, cancel_futures=True)
        if self._watch_stop is not None:
            self._watch_stop.set()
        self.elector.release()
