"""Facts about a pod read from its Kubernetes JSON: requests, owner, and whether it may be evicted."""

from __future__ import annotations

from typing import Any

from spothive_agent.quantities import to_units

Obj = dict[str, Any]

DO_NOT_DISRUPT = ("karpenter.sh/do-not-disrupt", "spothive.io/do-not-disrupt")
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
ACCELERATOR_RESOURCES = (*GPU_RESOURCES, "aws.amazon.com/neuron", "aws.amazon.com/neuroncore", "habana.ai/gaudi")


def pod_key(pod: Obj) -> str:
    """``namespace/name``."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name', '')}"


def requests(pod: Obj) -> dict[str, int]:
    """Summed container requests by resource name (cpu in m, memory in MiB, extended resources as counts).

    Init containers count by their maximum, as the scheduler does."""
    spec = pod.get("spec") or {}
    total: dict[str, int] = {}
    for container in spec.get("containers") or []:
        for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[name] = total.get(name, 0) + to_units(name, value)
    for container in spec.get("initContainers") or []:
        for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
            total[name] = max(total.get(name, 0), to_units(name, value))
    return total


def owner(pod: Obj) -> tuple[str | None, str | None]:
    """``(kind, name)`` of the controlling owner; a ReplicaSet made by a Deployment reads as the Deployment."""
    meta = pod.get("metadata") or {}
    refs = meta.get("ownerReferences") or []
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    if ref is None:
        return None, None
    kind, name = ref.get("kind"), ref.get("name")
    template_hash = (meta.get("labels") or {}).get("pod-template-hash")
    if kind == "ReplicaSet" and template_hash and name and name.endswith(f"-{template_hash}"):
        return "Deployment", name[: -len(template_hash) - 1]
    return kind, name


def is_daemonset(pod: Obj) -> bool:
    """Owned by a DaemonSet."""
    return owner(pod)[0] == "DaemonSet"


def is_mirror(pod: Obj) -> bool:
    """A static pod's mirror (the kubelet owns it; the API cannot evict it)."""
    return MIRROR_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {})


def do_not_disrupt(pod: Obj) -> str | None:
    """The annotation that forbids disrupting this pod, or None."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    for key in DO_NOT_DISRUPT:
        if str(annotations.get(key, "")).lower() == "true":
            return key
    return None


def is_finished(pod: Obj) -> bool:
    """Succeeded or Failed pods hold no resources and need no eviction."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_ready(pod: Obj) -> bool:
    """The pod's Ready condition is True."""
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def pvc_names(pod: Obj) -> list[str]:
    """The PersistentVolumeClaims the pod mounts."""
    volumes = (pod.get("spec") or {}).get("volumes") or []
    return [v["persistentVolumeClaim"]["claimName"] for v in volumes
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


def pv_zones(pv: Obj) -> list[str]:
    """Zones a PersistentVolume is pinned to (node affinity on the zone label, or the legacy labels)."""
    zone_keys = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
                 "topology.ebs.csi.aws.com/zone")
    zones: list[str] = []
    terms = ((((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms") or [])
    for term in terms:
        for expr in term.get("matchExpressions") or []:
            if expr.get("key") in zone_keys and expr.get("operator") == "In":
                zones.extend(expr.get("values") or [])
    if not zones:
        labels = (pv.get("metadata") or {}).get("labels") or {}
        zones = [labels[k] for k in zone_keys if k in labels][:1]
    return sorted(set(zones))


def pv_claim(pv: Obj) -> str | None:
    """``namespace/name`` of the claim a PersistentVolume is bound to."""
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    if ref.get("name"):
        return f"{ref.get('namespace', 'default')}/{ref['name']}"
    return None
