"""Kubernetes JSON for the objects the simulator seeds: nodes, pods, PDBs, PersistentVolumes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from spothive_agent.clock import rfc3339

Obj = dict[str, Any]


def uid(*parts: str) -> str:
    """A stable UUID-shaped id for an object."""
    h = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def node_object(name: str, instance_type: str, capacity_type: str, zone: str, allocatable: dict[str, str],
                labels: dict[str, str] | None, taints: list[Obj] | None, ready: bool, created: datetime,
                arch: str = "amd64") -> Obj:
    """A Node as an EKS/Karpenter node carries it (well-known labels, allocatable, Ready condition)."""
    region = zone[:-1] if zone and zone[-1].isalpha() else zone
    all_labels = {
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": arch,
        "node.kubernetes.io/instance-type": instance_type, "topology.kubernetes.io/zone": zone,
        "topology.kubernetes.io/region": region, "karpenter.sh/capacity-type": capacity_type,
        "eks.amazonaws.com/capacityType": "SPOT" if capacity_type == "spot" else "ON_DEMAND",
        **(labels or {}),
    }
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": uid("node", name), "labels": all_labels, "annotations": {},
                     "creationTimestamp": rfc3339(created)},
        "spec": {"providerID": f"aws:///{zone}/i-{uid('i', name)[:17].replace('-', '')}",
                 **({"taints": list(taints)} if taints else {})},
        "status": {"allocatable": dict(allocatable), "capacity": dict(allocatable),
                   "conditions": [node_ready_condition(ready, created)],
                   "nodeInfo": {"architecture": arch, "operatingSystem": "linux", "kubeletVersion": "v1.31.0-eks",
                                "kubeProxyVersion": "v1.31.0-eks", "bootID": uid("boot", name),
                                "machineID": uid("machine", name).replace("-", ""),
                                "systemUUID": uid("system", name), "kernelVersion": "6.1.115-126.197.amzn2023.x86_64",
                                "osImage": "Amazon Linux 2023.6.20241121",
                                "containerRuntimeVersion": "containerd://1.7.23"}},
    }


def node_ready_condition(ready: bool, when: datetime) -> Obj:
    """The Ready condition of a node."""
    return {"type": "Ready", "status": "True" if ready else "False",
            "reason": "KubeletReady" if ready else "KubeletNotReady",
            "lastTransitionTime": rfc3339(when), "lastHeartbeatTime": rfc3339(when)}


def container(cpu: str, memory: str, extended: dict[str, int] | None = None) -> Obj:
    """One container with requests (extended resources by name)."""
    req: dict[str, str] = {"cpu": cpu, "memory": memory}
    req.update({k: str(v) for k, v in (extended or {}).items()})
    limits = {k: v for k, v in req.items() if k not in ("cpu", "memory")}
    resources: Obj = {"requests": req, **({"limits": limits} if limits else {})}
    return {"name": "app", "image": "public.ecr.aws/docker/library/nginx:1.27", "resources": resources}


def pod_template(namespace: str, labels: dict[str, str], cpu: str, memory: str, *,
                 extended: dict[str, int] | None = None, annotations: dict[str, str] | None = None,
                 node_selector: dict[str, str] | None = None, affinity: Obj | None = None,
                 tolerations: list[Obj] | None = None, spread: list[Obj] | None = None,
                 priority: int | None = None, priority_class: str | None = None,
                 pvc: str | None = None) -> Obj:
    """A pod without a name or node: what a controller stamps its pods from."""
    spec: Obj = {"containers": [container(cpu, memory, extended)], "restartPolicy": "Always",
                 "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30}
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    if affinity:
        spec["affinity"] = affinity
    if tolerations:
        spec["tolerations"] = list(tolerations)
    if spread:
        spec["topologySpreadConstraints"] = list(spread)
    if priority is not None:
        spec["priority"] = priority
    if priority_class:
        spec["priorityClassName"] = priority_class
    if pvc:
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": pvc}}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": namespace, "labels": dict(labels), "annotations": dict(annotations or {})},
            "spec": spec, "status": {"phase": "Pending", "qosClass": "Burstable"}}


def pdb_object(namespace: str, name: str, match_labels: dict[str, str], min_available: int | str | None,
               max_unavailable: int | str | None, created: datetime) -> Obj:
    """A policy/v1 PodDisruptionBudget."""
    spec: Obj = {"selector": {"matchLabels": dict(match_labels)}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"namespace": namespace, "name": name, "uid": uid("pdb", namespace, name),
                         "generation": 1, "creationTimestamp": rfc3339(created)},
            "spec": spec, "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0,
                                     "expectedPods": 0, "observedGeneration": 1}}


def pv_object(name: str, claim_namespace: str, claim_name: str, zone: str, size: str = "10Gi") -> Obj:
    """An EBS-backed PersistentVolume bound to a claim and pinned to one zone."""
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "uid": uid("pv", name)},
            "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                     "claimRef": {"kind": "PersistentVolumeClaim", "namespace": claim_namespace, "name": claim_name},
                     "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": f"vol-{uid('vol', name)[:17]}"},
                     "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                         {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}}},
            "status": {"phase": "Bound"}}
