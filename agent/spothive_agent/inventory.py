"""The agent's view of its cluster: list once, then follow watches, keeping only snapshot records.

``version`` moves only when a record really changed, so the loop sends a snapshot on change and not on
every node heartbeat. A 410 (or any broken watch) leads to a fresh list."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from spothive_agent import __version__
from spothive_agent.clock import Clock, rfc3339
from spothive_agent.kube import KINDS, Gone, Kind, KubeError, KubePort
from spothive_agent.projection import node_record, pdb_record, pod_record, pv_record
from spothive_agent.selectors import label_selector_matches
from spothive_agent.signals import event_signal, node_signals

Obj = dict[str, Any]
log = logging.getLogger("spothive_agent.inventory")
SCHEMA_VERSION = 2


def _key(kind: str, obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}" if kind in ("pods", "pdbs", "events") else meta.get("name", "")


class Inventory:
    """Snapshot records by kind, fed by list + watch through the Kubernetes port."""

    def __init__(self, port: KubePort, clock: Clock, on_signal: Callable[[Obj], None] | None = None) -> None:
        self._port, self._clock, self._on_signal = port, clock, on_signal
        self._lock = threading.RLock()
        self.records: dict[str, dict[str, Obj]] = {k: {} for k in KINDS if k != "events"}
        self.resource_versions: dict[str, str | None] = dict.fromkeys(KINDS)
        self.version = 0
        self.synced: set[str] = set()
        self._seen_events: set[str] = set()

    # ---- feeding -------------------------------------------------------------------------------
    def relist(self, kind: Kind) -> None:
        """Replace a kind's records with a fresh list."""
        listing = self._port.list(kind)
        with self._lock:
            if kind == "events":
                for event in listing.items:
                    self._event(event)
            else:
                fresh = {}
                for obj in listing.items:
                    record = self._project(kind, obj)
                    if record is not None:
                        fresh[_key(kind, obj)] = record
                if fresh != self.records[kind]:
                    self.records[kind] = fresh
                    self.version += 1
                if kind == "nodes":
                    for node in fresh.values():
                        self._node_signals(node)
            self.resource_versions[kind] = listing.resource_version
            self.synced.add(kind)

    def apply(self, kind: Kind, event_type: str, obj: Obj) -> None:
        """One watch event."""
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        with self._lock:
            if rv:
                self.resource_versions[kind] = rv
            if event_type == "BOOKMARK":
                return
            if kind == "events":
                if event_type != "DELETED":
                    self._event(obj)
                return
            key, store = _key(kind, obj), self.records[kind]
            record = None if event_type == "DELETED" else self._project(kind, obj)
            if record is None:
                if store.pop(key, None) is not None:
                    self.version += 1
            elif store.get(key) != record:
                store[key] = record
                self.version += 1
                if kind == "nodes":
                    self._node_signals(record)

    def pump(self, timeout_s: float = 0.0) -> None:
        """Catch up once on every kind (list when never listed or after 410, else drain the watch)."""
        for kind in KINDS:
            self.follow_once(kind, timeout_s)

    def follow_once(self, kind: Kind, timeout_s: float, stop: threading.Event | None = None) -> None:
        """List if needed, then consume one watch of ``kind`` (until it ends or ``stop`` is set)."""
        rv = self.resource_versions[kind]
        if rv is None:
            self.relist(kind)
            return
        try:
            for event_type, obj in self._port.watch(kind, rv, timeout_s):
                if stop is not None and stop.is_set():
                    return
                self.apply(kind, event_type, obj)
        except Gone:
            log.info("watch of %s expired (410); listing again", kind)
            self.resource_versions[kind] = None

    def follow(self, kind: Kind, stop: threading.Event, timeout_s: float = 300.0) -> None:
        """Keep ``kind`` current until ``stop`` (for a background thread); errors back off and list again."""
        backoff = 1.0
        while not stop.is_set():
            try:
                self.follow_once(kind, timeout_s, stop)
                backoff = 1.0
            except KubeError as exc:
                log.warning("watch of %s failed (%s); retrying in %.0fs", kind, exc, backoff)
                self.resource_versions[kind] = None
                stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)

    # ---- projections ---------------------------------------------------------------------------
    @staticmethod
    def _project(kind: str, obj: Obj) -> Obj | None:
        if kind == "nodes":
            return node_record(obj)
        if kind == "pods":
            return pod_record(obj)
        if kind == "pdbs":
            return pdb_record(obj)
        return pv_record(obj)

    def _emit(self, signal: Obj | None) -> None:
        if signal is not None and signal["id"] not in self._seen_events and self._on_signal is not None:
            self._seen_events.add(signal["id"])
            self._on_signal(signal)

    def _node_signals(self, node: Obj) -> None:
        for signal in node_signals(node, rfc3339(self._clock.now())):
            self._emit(signal)

    def _event(self, event: Obj) -> None:
        self._emit(event_signal(event, self.records["nodes"], rfc3339(self._clock.now())))

    # ---- reading -------------------------------------------------------------------------------
    def node(self, name: str) -> Obj | None:
        """A node record."""
        with self._lock:
            return self.records["nodes"].get(name)

    def pod_owners(self) -> dict[str, str | None]:
        """The owner (workload name) of every pod record, by ``namespace/name``."""
        with self._lock:
            return {key: p.get("owner") for key, p in self.records["pods"].items()}

    def pods_on(self, node: str) -> list[Obj]:
        """Pod records bound to a node."""
        with self._lock:
            return [p for p in self.records["pods"].values() if p.get("node") == node]

    def snapshot(self, cluster: str, region: str | None) -> Obj:
        """The cluster snapshot (format v2): nodes, pods with volume zones, PDBs with their owner."""
        with self._lock:
            nodes = sorted(self.records["nodes"].values(), key=lambda n: n["name"])
            pods = sorted(self.records["pods"].values(), key=lambda p: (p["namespace"], p["name"]))
            claims = {pv["claim"]: pv["zones"] for pv in self.records["pvs"].values()}
            by_namespace: dict[str, list[Obj]] = {}
            for pod in pods:
                by_namespace.setdefault(pod["namespace"], []).append(pod)
            pdbs = []
            for pdb in sorted(self.records["pdbs"].values(), key=lambda p: (p["namespace"], p["name"])):
                owners = sorted({p["owner"] for p in by_namespace.get(pdb["namespace"], []) if p.get("owner")
                                 and label_selector_matches(pdb["selector"], p.get("labels") or {})})
                pdbs.append({**pdb, "selector_owner": owners[0] if owners else pdb["name"],
                             **({"selector_owners": owners} if len(owners) > 1 else {})})
        out_pods = []
        for pod in pods:
            zones = sorted({z for c in pod.get("pvcs") or [] for z in claims.get(f"{pod['namespace']}/{c}", [])})
            out_pods.append({**pod, "volume_zones": zones} if zones else pod)
        region = region or next((n["labels"].get("topology.kubernetes.io/region") for n in nodes
                                 if n["labels"].get("topology.kubernetes.io/region")), None)
        return {"schema_version": SCHEMA_VERSION, "cluster": cluster, "region": region or "",
                "agent_version": __version__, "nodes": nodes, "pods": out_pods, "pdbs": pdbs}


def digest(snapshot: Obj) -> str:
    """SHA-256 of a snapshot's canonical JSON (what the heartbeat reports as the current snapshot)."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
