"""Usage samples for right-sizing: metrics.k8s.io (metrics-server) or a configured Prometheus."""

from __future__ import annotations

from typing import Any

import httpx

from spothive_agent.kube import KubePort
from spothive_agent.quantities import cpu_millis, memory_mib

Obj = dict[str, Any]
PROM_CPU = 'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m]))'
PROM_MEM = 'sum by (namespace, pod) (container_memory_working_set_bytes{container!="",container!="POD"})'


def from_metrics_server(port: KubePort) -> tuple[list[Obj], list[Obj]]:
    """``(nodes, pods)`` usage in millicores and MiB from metrics.k8s.io (both empty without metrics-server)."""
    nodes = [{"name": m["metadata"]["name"], "cpu_m": cpu_millis(m["usage"].get("cpu")),
              "memory_mib": memory_mib(m["usage"].get("memory"))} for m in port.node_metrics()]
    pods = []
    for m in port.pod_metrics():
        containers = m.get("containers") or []
        pods.append({"namespace": m["metadata"].get("namespace", "default"), "name": m["metadata"]["name"],
                     "cpu_m": sum(cpu_millis(c["usage"].get("cpu")) for c in containers),
                     "memory_mib": sum(memory_mib(c["usage"].get("memory")) for c in containers)})
    return nodes, pods


def from_prometheus(url: str, client: httpx.Client | None = None) -> tuple[list[Obj], list[Obj]]:
    """Pod usage from Prometheus (cAdvisor series): CPU rate over 5 min and memory working set."""
    http = client or httpx.Client(timeout=20)
    values: dict[tuple[str, str], Obj] = {}
    for query, field, convert in ((PROM_CPU, "cpu_m", lambda v: round(v * 1000)),
                                  (PROM_MEM, "memory_mib", lambda v: round(v / 2**20))):
        reply = http.get(url.rstrip("/") + "/api/v1/query", params={"query": query})
        reply.raise_for_status()
        for series in reply.json()["data"]["result"]:
            labels = series["metric"]
            key = (labels.get("namespace", "default"), labels.get("pod", ""))
            values.setdefault(key, {"namespace": key[0], "name": key[1], "cpu_m": 0, "memory_mib": 0})[field] = convert(
                float(series["value"][1]))
    return [], list(values.values())
