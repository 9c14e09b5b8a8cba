"""The real lightkube adapter against a fake Kubernetes API serving recorded JSON (pytest-httpserver)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from lightkube import KubeConfig
from werkzeug import Response

from spothive_agent.clock import FakeClock
from spothive_agent.inventory import Inventory
from spothive_agent.kube import Conflict, Gone
from spothive_agent.kube_lightkube import LightkubePort

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def port(httpserver):
    adapter = LightkubePort(KubeConfig.from_dict({
        "clusters": [{"name": "fake", "cluster": {"server": httpserver.url_for("/").rstrip("/")}}],
        "users": [{"name": "agent", "user": {"token": "recorded"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "agent", "namespace": "spothive-system"}}],
        "current-context": "fake"}))
    yield adapter
    adapter.close()


def test_lists_nodes_and_pods_across_namespaces_into_snapshot_records(httpserver, port):
    httpserver.expect_request("/api/v1/nodes").respond_with_json(fixture("nodes_list.json"))
    httpserver.expect_request("/api/v1/pods").respond_with_json(fixture("pods_list.json"))
    nodes, pods = port.list("nodes"), port.list("pods")
    assert nodes.resource_version == "48213377" and pods.resource_version == "48213380"
    inventory = Inventory(port, FakeClock())
    from spothive_agent.projection import node_record, pod_record
    node = node_record(nodes.items[0])
    assert (node["instance_type"], node["capacity_type"], node["zone"]) == ("m6i.xlarge", "spot", "us-east-1c")
    assert node["allocatable"] == {"cpu_m": 3920, "memory_mib": 14792, "pods": 58}
    assert node["conditions"]["Ready"] == "True" and node["created_at"] == "2026-11-20T08:14:02Z"
    checkout = pod_record(pods.items[0])
    assert checkout["cpu_m"] == 1000  # the init container's 1 CPU exceeds the 850m of the app containers
    assert checkout["memory_mib"] == 896 and checkout["gpu"] == 1 and checkout["extended"] == {"nvidia.com/gpu": 1}
    assert (checkout["owner_kind"], checkout["owner"]) == ("Deployment", "checkout")
    assert checkout["do_not_disrupt"] is True and checkout["do_not_disrupt_by"] == "karpenter.sh/do-not-disrupt"
    assert checkout["priority"] == 100000 and checkout["pvcs"] == ["cart-data"]
    assert checkout["affinity_required"][0]["matchExpressions"][0]["key"] == "karpenter.sh/capacity-type"
    assert checkout["topology_spread"][0]["when_unsatisfiable"] == "DoNotSchedule"
    daemon = pod_record(pods.items[1])
    assert (daemon["owner_kind"], daemon["owner"], daemon["memory_mib"]) == ("DaemonSet", "aws-node", 0)
    job = pod_record(pods.items[2])
    assert job["node"] is None and job["owner_kind"] == "Job"
    assert inventory.version == 0


def test_watch_events_update_the_inventory_and_raise_spot_signals(httpserver, port):
    signals = []
    httpserver.expect_request("/api/v1/nodes", query_string={"watch": "true", "resourceVersion": "48213377",
                                                             "timeoutSeconds": "30"}).respond_with_data(
        (FIXTURES / "nodes_watch.jsonl").read_text(), content_type="application/json")
    inventory = Inventory(port, FakeClock(), signals.append)
    inventory.resource_versions["nodes"] = "48213377"
    events = list(itertools.islice(port.watch("nodes", "48213377", 30), 3))
    for event_type, obj in events:
        inventory.apply("nodes", event_type, obj)
    assert [e[0] for e in events] == ["MODIFIED", "ADDED", "DELETED"]
    assert list(inventory.records["nodes"]) == ["ip-192-168-40-9.ec2.internal"]
    assert inventory.records["nodes"]["ip-192-168-40-9.ec2.internal"]["ready"] is False
    assert inventory.resource_versions["nodes"] == "48213790"
    assert [(s["kind"], s["source"], s["capacity_type"]) for s in signals] == [("spot_interruption", "taint", "spot")]


def test_an_expired_watch_raises_gone_so_the_inventory_lists_again(httpserver, port):
    httpserver.expect_request("/api/v1/pods").respond_with_data(
        (FIXTURES / "watch_expired.jsonl").read_text(), content_type="application/json")
    with pytest.raises(Gone):
        next(iter(port.watch("pods", "48213377", 30)))


def test_eviction_201_and_429_name_the_pdb(httpserver, port):
    path = "/api/v1/namespaces/shop/pods/{}/eviction"
    httpserver.expect_request(path.format("a"), method="POST").respond_with_json(fixture("eviction_201.json"), status=201)
    httpserver.expect_request(path.format("b"), method="POST").respond_with_json(fixture("eviction_429.json"), status=429)
    httpserver.expect_request(path.format("c"), method="POST").respond_with_json(
        {**fixture("not_found.json"), "message": 'pods "c" not found'}, status=404)
    assert port.evict("shop", "a").outcome == "evicted"
    blocked = port.evict("shop", "b")
    assert (blocked.outcome, blocked.pdb) == ("blocked", "checkout-pdb")
    assert blocked.message == "The disruption budget checkout-pdb needs 2 healthy pods and has 2 currently"
    assert port.evict("shop", "c").outcome == "gone"
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent["kind"] == "Eviction" and sent["metadata"] == {"name": "a", "namespace": "shop"}


def test_lease_get_missing_create_and_conflicts(httpserver, port):
    base = "/apis/coordination.k8s.io/v1/namespaces/spothive-system/leases"
    httpserver.expect_ordered_request(f"{base}/spothive-agent", method="GET").respond_with_json(
        fixture("not_found.json"), status=404)
    httpserver.expect_ordered_request(base, method="POST").respond_with_json(fixture("lease_409.json"), status=409)
    httpserver.expect_ordered_request(f"{base}/spothive-agent", method="GET").respond_with_json(fixture("lease.json"))
    httpserver.expect_ordered_request(f"{base}/spothive-agent", method="PUT").respond_with_json(
        fixture("lease_409.json"), status=409)
    assert port.get_lease("spothive-system", "spothive-agent") is None
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "spothive-agent"},
             "spec": {"holderIdentity": "me"}}
    with pytest.raises(Conflict):
        port.create_lease("spothive-system", lease)
    current = port.get_lease("spothive-system", "spothive-agent")
    assert current["spec"]["holderIdentity"] == "spothive-agent-7c9d5b8f6-abcde"
    with pytest.raises(Conflict) as err:
        port.replace_lease("spothive-system", current)
    assert err.value.code == 409 and "the object has been modified" in err.value.message
    put_body = json.loads(httpserver.log[-1][0].get_data())
    assert put_body["metadata"]["resourceVersion"] == "48213420"  # optimistic concurrency on the version read


def test_node_merge_patch_and_missing_metrics_server(httpserver, port):
    node = fixture("nodes_list.json")["items"][0]
    httpserver.expect_request("/api/v1/nodes/ip-192-168-12-34.ec2.internal", method="PATCH").respond_with_json(node)
    httpserver.expect_request("/apis/metrics.k8s.io/v1beta1/pods").respond_with_response(Response(
        json.dumps({**fixture("not_found.json"), "message": "the server could not find the requested resource"}),
        status=404, content_type="application/json"))
    port.patch_node("ip-192-168-12-34.ec2.internal", {"spec": {"unschedulable": True}})
    request = httpserver.log[0][0]
    assert request.headers["Content-Type"] == "application/merge-patch+json"
    assert json.loads(request.get_data()) == {"spec": {"unschedulable": True}}
    assert port.pod_metrics() == []


def test_events_are_listed_for_nodes_only(httpserver, port):
    httpserver.expect_request("/api/v1/events", query_string={"fieldSelector": "involvedObject.kind=Node", "limit": "500"}
                              ).respond_with_json({"kind": "EventList", "apiVersion": "v1",
                                                   "metadata": {"resourceVersion": "77"}, "items": []})
    assert port.list("events").items == []


def test_lists_follow_the_continue_token_of_paginated_responses(httpserver, port):
    page = fixture("nodes_list.json")
    first = {**page, "metadata": {"resourceVersion": "48213377", "continue": "eyJ2IjoibWV0YSJ9"}}
    second_node = json.loads(json.dumps(page["items"][0]))
    second_node["metadata"]["name"] = "ip-192-168-77-1.ec2.internal"
    second = {**page, "items": [second_node]}
    httpserver.expect_request("/api/v1/nodes", query_string={"limit": "500"}).respond_with_json(first)
    httpserver.expect_request("/api/v1/nodes", query_string={"limit": "500", "continue": "eyJ2IjoibWV0YSJ9"}
                              ).respond_with_json(second)
    listing = port.list("nodes")
    assert [n["metadata"]["name"] for n in listing.items] == ["ip-192-168-12-34.ec2.internal",
                                                              "ip-192-168-77-1.ec2.internal"]
    assert listing.resource_version == "48213377"
