"""Usage samples from a Prometheus (cAdvisor series), as an alternative to metrics-server."""

from __future__ import annotations

import httpx

from spothive_agent.usage import PROM_CPU, PROM_MEM, from_prometheus


def vector(*samples):
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"namespace": ns, "pod": pod}, "value": [1764618000.0, str(value)]} for ns, pod, value in samples]}}


def test_prometheus_cpu_rate_and_working_set_become_millicores_and_mib(httpserver):
    httpserver.expect_request("/api/v1/query", query_string={"query": PROM_CPU}).respond_with_json(
        vector(("web", "web-1", 0.2125), ("jobs", "worker-1", 1.5)))
    httpserver.expect_request("/api/v1/query", query_string={"query": PROM_MEM}).respond_with_json(
        vector(("web", "web-1", 536870912), ("jobs", "worker-1", 1288490188.8)))
    nodes, pods = from_prometheus(httpserver.url_for("/"), httpx.Client(timeout=5))
    assert nodes == []
    assert sorted((p["namespace"], p["name"], p["cpu_m"], p["memory_mib"]) for p in pods) == [
        ("jobs", "worker-1", 1500, 1229), ("web", "web-1", 212, 512)]
