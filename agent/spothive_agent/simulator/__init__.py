"""An in-memory Kubernetes for tests and the local stack, servable as a Kubernetes-compatible HTTP API."""

from spothive_agent.simulator.cluster import SimCluster
from spothive_agent.simulator.seed import NodeSpec, nodes_from_ec2_instances

__all__ = ["NodeSpec", "SimCluster", "nodes_from_ec2_instances"]
