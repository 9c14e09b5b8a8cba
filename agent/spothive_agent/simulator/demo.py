"""A small, realistic set of workloads for a seeded cluster: what the local demo shows."""

from __future__ import annotations

from spothive_agent.simulator.cluster import SimCluster


def seed_workloads(cluster: SimCluster, scale: int = 1) -> None:
    """A DaemonSet, a web tier with a PDB and zone spread, a worker pool, a do-not-disrupt batch job and a
    zonal stateful pod (``scale`` multiplies the replicas)."""
    w = cluster.workloads
    w.add_daemonset("kube-system", "aws-node", cpu="25m", memory="64Mi")
    w.add_daemonset("kube-system", "kube-proxy", cpu="100m", memory="64Mi")
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app": "web"}}}]
    w.add_deployment("web", "web", 3 * scale, cpu="250m", memory="512Mi", spread=spread, priority=1000)
    cluster.add_pdb("web", "web", {"app": "web"}, max_unavailable=1)
    w.add_deployment("jobs", "worker", 2 * scale, cpu="500m", memory="1Gi")
    w.add_deployment("jobs", "nightly-report", 1, cpu="200m", memory="256Mi",
                     annotations={"karpenter.sh/do-not-disrupt": "true"})
