"""Carrying out the hub's actions: validate, refuse what is unsafe, act (or log in dry-run), report.

Disruptive actions (cordon, drain, apply_karpenter, a hibernate_karpenter sleep) are refused in safe mode. An action id is executed at
most once per agent process (the hub's ack guards across replicas and restarts)."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from spothive_agent.clock import Clock, parse_time, rfc3339
from spothive_agent.drain import drain
from spothive_agent.inventory import Inventory
from spothive_agent.karpenter_hibernation import hibernate
from spothive_agent.kube import KubeError, KubePort, NotFound
from spothive_agent.metrics import AgentMetrics
from spothive_agent.nodes_ops import cordon, uncordon
from spothive_agent.outcome import Outcome

Obj = dict[str, Any]
log = logging.getLogger("spothive_agent.actions")
DISRUPTIVE = frozenset({"cordon", "drain", "apply_karpenter"})
MANAGED_BY = {"app.kubernetes.io/managed-by": "spothive"}


def load_schema(name: str) -> Obj:
    """A JSON Schema shipped with the agent (``action`` or ``result``)."""
    schema: Obj = json.loads(resources.files("spothive_agent.schemas").joinpath(f"{name}.schema.json").read_text())
    return schema


_ACTION = Draft202012Validator(load_schema("action"))


def validation_error(action: Any) -> str | None:
    """The first schema violation of an action as ``$.path: message``, or None when valid."""
    errors = sorted(_ACTION.iter_errors(action), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
    return f"{path}: {first.message}"


class Executor:
    """Runs one action at a time per node; returns the result document."""

    def __init__(self, port: KubePort, inventory: Inventory, clock: Clock, metrics: AgentMetrics, *,
                 identity: str, dry_run: Callable[[], bool], safe_mode: Callable[[], str | None],
                 refresh: Callable[[], None] = lambda: None, karpenter_enabled: bool = False,
                 event_namespace: str = "default") -> None:
        self._port, self._inventory, self._clock, self._metrics = port, inventory, clock, metrics
        self._identity, self._dry_run, self._safe_mode, self._refresh = identity, dry_run, safe_mode, refresh
        self._karpenter = karpenter_enabled
        self._event_ns = event_namespace
        self._node_locks: dict[str, threading.Lock] = {}
        self._seen: OrderedDict[str, Obj] = OrderedDict()
        self._lock = threading.Lock()

    def execute(self, action: Any) -> Obj:
        """Execute an action (at most once per id) and return its result."""
        action_id = str(action.get("id", "")) if isinstance(action, dict) else ""
        with self._lock:
            if action_id and action_id in self._seen:
                log.info("action %s already executed here; returning its result again", action_id)
                return self._seen[action_id]
        out = Outcome(action if isinstance(action, dict) else {}, self._clock, self._dry_run(), self._identity)
        result = self._run(action, out)
        self._metrics.actions.labels(result["type"] or "invalid", result["status"]).inc()
        log.info("action %s %s: %s — %s", action_id, result["type"], result["status"], result["reason"])
        if action_id:
            with self._lock:
                self._seen[action_id] = result
                while len(self._seen) > 1000:
                    self._seen.popitem(last=False)
        if result["status"] != "refused" or result["done"]:
            self._event(action, result)
        return result

    def _run(self, action: Any, out: Outcome) -> Obj:
        problem = validation_error(action)
        if problem:
            return out.finish("refused", f"invalid action: {problem}")
        kind, params = action["type"], action["params"]
        not_after = parse_time(action.get("not_after"))
        if not_after is not None and self._clock.now() > not_after:
            return out.finish("refused", f"expired: not_after {action['not_after']} has passed")
        if kind in DISRUPTIVE or (kind == "hibernate_karpenter" and params.get("mode") == "sleep"):
            reason = self._safe_mode()
            if reason:
                return out.finish("refused", f"safe mode: {reason}; no new disruptive actions")
        node = params.get("node")
        lock = self._node_lock(node) if node else threading.Lock()
        with lock:
            try:
                return self._dispatch(kind, params, out)
            except NotFound as exc:
                return out.finish("refused", f"not found: {exc.message}")
            except KubeError as exc:
                return out.finish("failed", f"Kubernetes API error: {exc}")

    def _node_lock(self, node: str) -> threading.Lock:
        with self._lock:
            return self._node_locks.setdefault(node, threading.Lock())

    def _dispatch(self, kind: str, params: Obj, out: Outcome) -> Obj:
        action_id = str(out.action["id"])
        if kind == "cordon":
            cordon(self._port, out, params["node"], action_id)
            return out.finish("done", f"node {params['node']} tainted and cordoned")
        if kind == "uncordon":
            uncordon(self._port, out, params["node"], force=bool(params.get("force")))
            status = "refused" if out.refused and not out.done and not out.would else "done"
            return out.finish(status, out.refused[0]["reason"] if status == "refused" else
                              f"node {params['node']} schedulable again")
        if kind == "drain":
            return drain(self._port, self._inventory, self._refresh, out, params, self._safe_mode, self._metrics)
        if kind == "wait_node_ready":
            return self._wait_ready(params, out)
        if kind == "apply_karpenter":
            return self._apply_karpenter(params, out)
        if kind == "hibernate_karpenter":
            if not self._karpenter:
                return out.finish("refused", "Karpenter actions are off in this agent (karpenter.enabled=false)")
            return hibernate(self._port, self._inventory, self._refresh, out, params)
        return self._annotate(params, out)

    def _wait_ready(self, params: Obj, out: Outcome) -> Obj:
        name, started = params["node"], self._clock.now()
        deadline = started + timedelta(seconds=int(params.get("timeout_s", 900)))
        poll = float(params.get("poll_s", 5.0))
        while True:
            try:
                node = self._port.get_node(name)
                ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in (node.get("status") or {}).get("conditions") or [])
            except NotFound:
                node, ready = None, False
            if ready and node is not None:
                labels = node["metadata"].get("labels") or {}
                out.details.update({"node": name, "instance_type": labels.get("node.kubernetes.io/instance-type"),
                                    "zone": labels.get("topology.kubernetes.io/zone"),
                                    "capacity_type": labels.get("karpenter.sh/capacity-type"),
                                    "ready_at": rfc3339(self._clock.now()),
                                    "waited_s": round((self._clock.now() - started).total_seconds(), 1)})
                return out.finish("done", f"node {name} is Ready")
            if self._clock.now() >= deadline:
                out.details["registered"] = node is not None
                return out.finish("failed", f"node {name} not Ready after {params.get('timeout_s', 900)} s"
                                  + ("" if node is not None else " (never registered)"))
            self._clock.sleep(poll)

    def _apply_karpenter(self, params: Obj, out: Outcome) -> Obj:
        if not self._karpenter:
            return out.finish("refused", "Karpenter actions are off in this agent (karpenter.enabled=false)")
        for obj in params["objects"]:
            manifest = json.loads(json.dumps(obj))
            meta = manifest["metadata"]
            meta["labels"] = {**(meta.get("labels") or {}), **MANAGED_BY}
            out.change(f"applied {manifest['kind']} {meta['name']}",
                       lambda m=manifest: self._port.apply(m, "spothive-agent"), manifest)
        return out.finish("done", f"applied {len(params['objects'])} Karpenter object(s)")

    def _annotate(self, params: Obj, out: Outcome) -> Obj:
        target, annotations = params["target"], params["annotations"]
        patch = {"metadata": {"annotations": annotations}}
        if target["kind"] == "Node":
            out.change(f"annotated node {target['name']}", lambda: self._port.patch_node(target["name"], patch), patch)
        else:
            namespace = target.get("namespace", "default")
            out.change(f"annotated pod {namespace}/{target['name']}",
                       lambda: self._port.patch_pod(namespace, target["name"], patch), patch)
        return out.finish("done", f"{len(annotations)} annotation(s) set")

    def _event(self, action: Obj, result: Obj) -> None:
        node = (action.get("params") or {}).get("node") if isinstance(action.get("params"), dict) else None
        if not node:
            return
        now = rfc3339(self._clock.now())
        event = {"apiVersion": "v1", "kind": "Event",
                 "metadata": {"generateName": f"{node}.spothive-", "namespace": self._event_ns},
                 "involvedObject": {"apiVersion": "v1", "kind": "Node", "name": node},
                 "reason": f"SpotHive{''.join(w.title() for w in action['type'].split('_'))}",
                 "message": f"{result['status']}: {result['reason']}"[:1000],
                 "type": "Normal" if result["status"] in ("done", "dry_run") else "Warning",
                 "source": {"component": "spothive-agent"}, "reportingComponent": "spothive-agent",
                 "reportingInstance": self._identity, "firstTimestamp": now, "lastTimestamp": now, "count": 1}
        try:
            self._port.create_event(self._event_ns, event)
        except KubeError as exc:
            log.debug("could not record the event: %s", exc)
