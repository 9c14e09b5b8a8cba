"""Leader election through a coordination.k8s.io Lease, so two replicas never both act.

The holder renews ``renewTime`` every few seconds; another replica takes the Lease only once it has gone
unrenewed for ``lease_duration_s``. Every write carries the resourceVersion read, so a race ends in 409 for
one of the two and that one stays standby."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from spothive_agent.clock import Clock, parse_time, rfc3339_micro
from spothive_agent.kube import Conflict, KubeError, KubePort

log = logging.getLogger("spothive_agent.leader")


class LeaderElector:
    """One replica's side of the election."""

    def __init__(self, port: KubePort, clock: Clock, namespace: str, name: str, identity: str,
                 lease_duration_s: int = 15) -> None:
        self._port, self._clock = port, clock
        self.namespace, self.name, self.identity = namespace, name, identity
        self.duration = lease_duration_s
        self.is_leader = False
        self._held: dict[str, Any] | None = None

    def _spec(self, now: datetime, transitions: int, acquired: str | None) -> dict[str, Any]:
        return {"holderIdentity": self.identity, "leaseDurationSeconds": self.duration,
                "acquireTime": acquired or rfc3339_micro(now), "renewTime": rfc3339_micro(now),
                "leaseTransitions": transitions}

    def try_acquire_or_renew(self) -> bool:
        """Hold the Lease after this call? (Errors count as not leading: acting without the Lease is unsafe.)"""
        now = self._clock.now()
        try:
            self.is_leader = self._attempt(now)
        except Conflict:
            self.is_leader, self._held = False, None
        except KubeError as exc:
            log.warning("lease %s/%s: %s", self.namespace, self.name, exc)
            self.is_leader = False
        return self.is_leader

    def _attempt(self, now: datetime) -> bool:
        if self._held is not None and self.is_leader:
            # renew from the copy written last time: one request, and a 409 if anyone else wrote since
            held = self._held
            held["spec"] = self._spec(now, int(held["spec"].get("leaseTransitions") or 0),
                                      held["spec"].get("acquireTime"))
            try:
                self._held = self._port.replace_lease(self.namespace, held)
                return True
            except Conflict:
                self._held = None
        lease = self._port.get_lease(self.namespace, self.name)
        if lease is None:
            self._held = self._port.create_lease(self.namespace, {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": self._spec(now, 0, None)})
            log.info("%s acquired lease %s/%s (new)", self.identity, self.namespace, self.name)
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        renewed = parse_time(spec.get("renewTime"))
        duration = int(spec.get("leaseDurationSeconds") or self.duration)
        expired = renewed is None or renewed + timedelta(seconds=duration) < now
        if holder and holder != self.identity and not expired:
            return False
        mine = holder == self.identity
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if mine else 1)
        lease["spec"] = self._spec(now, transitions, spec.get("acquireTime") if mine else None)
        self._held = self._port.replace_lease(self.namespace, lease)
        if not mine:
            log.info("%s took over lease %s/%s from %s", self.identity, self.namespace, self.name, holder or "nobody")
        return True

    def release(self) -> None:
        """Give the Lease up on shutdown so the standby replica takes over at once."""
        if not self.is_leader:
            return
        try:
            lease = self._port.get_lease(self.namespace, self.name)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                lease["spec"]["holderIdentity"] = ""
                lease["spec"]["renewTime"] = rfc3339_micro(datetime(1970, 1, 1, tzinfo=self._clock.now().tzinfo))
                self._port.replace_lease(self.namespace, lease)
        except KubeError as exc:
            log.warning("could not release the lease: %s", exc)
        self.is_leader = False
