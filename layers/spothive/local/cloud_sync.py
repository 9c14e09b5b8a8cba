"""The local stand-in for the cloud provider's node lifecycle: moto's EC2 instances of the demo cluster
join the simulated Kubernetes as nodes (NotReady for the boot delay, as a real node boots), and a node
whose instance was terminated leaves it, its pods going back to Pending for the scheduler.

Local only: on AWS the kubelet registers a launched instance and the cloud controller deletes the node
of a terminated one; SpotHive's executor never talks to the cluster except through its agent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from spothive_agent.simulator import nodes_from_ec2_instances
from spothive_agent.simulator.cluster import SimCluster

LOG = logging.getLogger("spothive.local.cloud_sync")
_GONE = ("shutting-down", "terminated", "stopping", "stopped")


class CloudSync:
    """Polls ``describe_instances`` and keeps the simulator's nodes in step with the cluster's instances."""

    def __init__(self, ec2: Any, cluster: SimCluster, cluster_name: str,
                 catalog_rows: Callable[[set[str]], dict[str, dict[str, Any]]], interval_s: float = 1.0) -> None:
        self._ec2, self._cluster, self._name = ec2, cluster, cluster_name
        self._rows, self._interval = catalog_rows, interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.joined: list[str] = []
        self.left: list[str] = []

    def sync_once(self) -> None:
        """One pass: new running instances join (booting), terminated ones leave."""
        instances = [i for r in self._ec2.describe_instances()["Reservations"] for i in r["Instances"]]
        mine = [i for i in instances if any(t.get("Value") == self._name for t in i.get("Tags") or [])]
        nodes = {n["metadata"]["name"] for n in self._cluster.store.objects["nodes"].values()}
        running = [i for i in mine if i["State"]["Name"] in ("pending", "running")]
        fresh = [i for i in running if (i.get("PrivateDnsName") or i["InstanceId"]) not in nodes]
        if fresh:
            for spec in nodes_from_ec2_instances([{**i, "State": {"Name": "running"}} for i in fresh],
                                                 self._rows({i["InstanceType"] for i in fresh}), cluster=self._name):
                self._cluster.launch_node(spec)
                self.joined.append(spec.name)
                LOG.info("instance joined the cluster as node %s (booting)", spec.name)
        for inst in mine:
            name = inst.get("PrivateDnsName") or inst["InstanceId"]
            if inst["State"]["Name"] in _GONE and name in nodes:
                self._cluster.remove_node(name)
                self.left.append(name)
                LOG.info("instance %s terminated: node %s left the cluster", inst["InstanceId"], name)

    def start(self) -> CloudSync:
        """Sync in a daemon thread until :meth:`stop`."""
        def loop() -> None:
            while not self._stop.wait(self._interval):
                try:
                    self.sync_once()
                except Exception:
                    LOG.exception("cloud sync pass failed")

        self._thread = threading.Thread(target=loop, name="spothive-cloud-sync", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread (the stack calls this on shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
