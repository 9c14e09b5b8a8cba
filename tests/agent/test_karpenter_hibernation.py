"""``hibernate_karpenter``: the agent zeroes SpotHive's NodePool limits, Karpenter drains, wake restores exactly."""

from __future__ import annotations

import json

import jsonschema

from spothive_agent.actions import load_schema
from spothive_agent.karpenter_hibernation import SAVED_ANNOTATION
from spothive_agent.simulator import SimCluster
from spothive_agent.simulator.server import SimServer
from tests.agent.conftest import make_agent, node

MANAGED = {"app.kubernetes.io/managed-by": "spothive"}
GENERAL_LIMITS = {"cpu": "100", "memory": "400Gi", "nvidia.com/gpu": 4}


def karpenter_cluster(cluster: SimCluster, budgets=None, pdb=None) -> None:
    """Two SpotHive NodePools (one with limits, one without), a customer's own pool, pods under a PDB."""
    cluster.add_nodepool("spothive-general", GENERAL_LIMITS, MANAGED, budgets)
    cluster.add_nodepool("spothive-batch", None, MANAGED)
    cluster.add_nodepool("customer-own", {"cpu": "8"})
    for name, pool in (("kp-1", "spothive-general"), ("kp-2", "spothive-general"), ("kp-3", "spothive-batch"),
                       ("own-1", "customer-own")):
        cluster.add_karpenter_node(node(name), pool)
    cluster.workloads.add_daemonset("kube-system", "aws-node")
    cluster.workloads.add_deployment("web", "web", 3, cpu="300m", memory="512Mi")
    cluster.add_pdb("web", "web", {"app": "web"}, **(pdb or {"max_unavailable": 1}))


def run(cluster, hub, clock, action_id, **params):
    agent = make_agent(cluster, hub, clock, karpenter=True)
    agent.step()
    hub.queue(action_id, "hibernate_karpenter", **params)
    agent.step()
    result = hub.results[action_id]
    jsonschema.validate(result, load_schema("result"))
    return result


def limits(cluster, pool):
    return cluster.custom_objects("nodepools")[pool]["spec"].get("limits")


def test_sleep_zeroes_spothive_pools_and_karpenter_drains_their_nodes(cluster, hub, clock):
    # Given SpotHive's NodePools with three nodes and a customer's pool with one
    karpenter_cluster(cluster)
    # When the hub asks the agent to sleep the cluster
    result = run(cluster, hub, clock, "hib-1", mode="sleep", deadline_s=900, poll_s=5)
    # Then SpotHive's pools are at zero, their limits saved in the report and on the pool
    assert result["status"] == "done", result["reason"]
    assert limits(cluster, "spothive-general") == {"cpu": "0", "memory": "0", "nvidia.com/gpu": 4}
    assert limits(cluster, "spothive-batch") == {"cpu": "0", "memory": "0"}
    assert result["details"]["saved_limits"] == {"spothive-general": GENERAL_LIMITS, "spothive-batch": {}}
    annotation = cluster.custom_objects("nodepools")["spothive-general"]["metadata"]["annotations"][SAVED_ANNOTATION]
    assert json.loads(annotation) == GENERAL_LIMITS
    # And their NodeClaims were deleted and drained away; the customer's pool is untouched
    assert sorted(result["details"]["nodeclaims_deleted"]) == ["kp-1-claim", "kp-2-claim", "kp-3-claim"]
    assert sorted(cluster.custom_objects("nodeclaims")) == ["own-1-claim"]
    assert sorted(n["metadata"]["name"] for n in cluster.list("nodes").items) == ["own-1"]
    assert limits(cluster, "customer-own") == {"cpu": "8"}
    # And the drain went through the Eviction API: the web pods now run on the remaining node
    assert {cluster.pod(k)["spec"].get("nodeName") for k in cluster.pods_on("own-1")} == {"own-1"}
    assert any(key.startswith("web/") for key in cluster.evictions)


def test_wake_restores_exactly_the_saved_limits(cluster, hub, clock):
    # Given a slept cluster
    karpenter_cluster(cluster)
    slept = run(cluster, hub, clock, "hib-1", mode="sleep")
    # When the hub wakes it with the limits the sleep reported
    result = run(cluster, hub, clock, "hib-2", mode="wake", limits=slept["details"]["saved_limits"])
    # Then each pool has exactly its old limits again (none where it had none), and no annotation
    assert result["status"] == "done", result["reason"]
    assert limits(cluster, "spothive-general") == GENERAL_LIMITS
    assert limits(cluster, "spothive-batch") is None
    pools = cluster.custom_objects("nodepools")
    assert SAVED_ANNOTATION not in pools["spothive-general"]["metadata"]["annotations"]
    assert result["details"]["restored_limits"] == {"spothive-general": GENERAL_LIMITS, "spothive-batch": {}}


def test_a_repeated_sleep_keeps_the_first_saved_limits_and_wake_falls_back_to_them(cluster, hub, clock):
    karpenter_cluster(cluster)
    run(cluster, hub, clock, "hib-1", mode="sleep")
    # When the sleep runs again (a retried transition), it saves the original limits, not the zeros
    again = run(cluster, hub, clock, "hib-2", mode="sleep")
    assert again["details"]["saved_limits"]["spothive-general"] == GENERAL_LIMITS
    # And a wake without limits from the hub restores them from the pool's annotation
    woke = run(cluster, hub, clock, "hib-3", mode="wake")
    assert woke["status"] == "done"
    assert limits(cluster, "spothive-general") == GENERAL_LIMITS


def test_do_not_disrupt_pods_keep_their_node_and_are_reported(cluster, hub, clock):
    # Given a pod annotated karpenter.sh/do-not-disrupt on kp-3
    karpenter_cluster(cluster)
    cluster.workloads.add_deployment("batch", "train", 1, cpu="200m", memory="256Mi",
                                     annotations={"karpenter.sh/do-not-disrupt": "true"},
                                     node_selector={"kubernetes.io/hostname": "kp-3"})
    result = run(cluster, hub, clock, "hib-1", mode="sleep")
    # Then its NodeClaim is left alone and named, the others go
    assert result["status"] == "done"
    assert [r["target"] for r in result["refused"]] == ["nodeclaim/kp-3-claim"]
    assert "batch/train" in result["refused"][0]["reason"]
    assert sorted(cluster.custom_objects("nodeclaims")) == ["kp-3-claim", "own-1-claim"]


def test_disruption_budget_paces_the_deletes_and_zero_refuses(cluster, hub, clock):
    # Given a budget of one node at a time on the general pool
    karpenter_cluster(cluster, budgets=[{"nodes": "1"}, {"nodes": "0", "schedule": "@daily", "duration": "10m"}])
    agent = make_agent(cluster, hub, clock, karpenter=True)
    agent.step()
    seen: list[int] = []
    real_delete = cluster.delete_karpenter

    def counting(kind, name):
        real_delete(kind, name)
        seen.append(sum(1 for c in cluster.custom_objects("nodeclaims").values()
                        if c["metadata"].get("deletionTimestamp")
                        and c["metadata"]["labels"]["karpenter.sh/nodepool"] == "spothive-general"))

    cluster.delete_karpenter = counting
    hub.queue("hib-1", "hibernate_karpenter", mode="sleep")
    agent.step()
    # Then never two of that pool's NodeClaims were terminating at once (the scheduled budget is not applied)
    assert hub.results["hib-1"]["status"] == "done"
    assert max(seen) == 1
    # And a pool whose budget is "0" keeps its nodes and says why
    cluster.add_nodepool("spothive-frozen", {"cpu": "4"}, MANAGED, [{"nodes": "0"}])
    cluster.add_karpenter_node(node("kp-9"), "spothive-frozen")
    hub.queue("hib-2", "hibernate_karpenter", mode="sleep")
    agent.step()
    assert hub.results["hib-2"]["refused"][0]["reason"] == (
        "NodePool spothive-frozen's disruption budget allows no node at a time")
    assert "kp-9-claim" in cluster.custom_objects("nodeclaims")


def test_a_pdb_that_never_allows_eviction_reports_blocked_with_limits_still_zero(cluster, hub, clock):
    # Given a PDB that allows no web pod to go
    karpenter_cluster(cluster, pdb={"min_available": 3})
    result = run(cluster, hub, clock, "hib-1", mode="sleep", deadline_s=60, poll_s=5)
    assert result["status"] == "blocked"
    assert result["details"]["still_draining"]
    assert limits(cluster, "spothive-general")["cpu"] == "0"


def test_a_failure_mid_way_restores_the_limits_already_zeroed(cluster, hub, clock):
    # Given the second NodePool's patch fails
    karpenter_cluster(cluster)
    real_patch = cluster.patch_karpenter

    def failing(kind, name, patch):
        if name == "spothive-general" and patch["spec"]["limits"] == {"cpu": "0", "memory": "0"}:
            from spothive_agent.kube import KubeError
            raise KubeError(500, "etcd timeout", "InternalError")
        return real_patch(kind, name, patch)

    cluster.patch_karpenter = failing
    result = run(cluster, hub, clock, "hib-1", mode="sleep")
    # Then the sleep failed, the first pool got its (absent) limits back and no NodeClaim was deleted
    assert result["status"] == "failed"
    assert "NodePool limits restored on spothive-batch" in result["reason"]
    assert limits(cluster, "spothive-batch") is None
    assert SAVED_ANNOTATION not in cluster.custom_objects("nodepools")["spothive-batch"]["metadata"]["annotations"]
    assert len(cluster.custom_objects("nodeclaims")) == 4


def test_the_hubs_safe_mode_turns_the_sleep_into_a_dry_run_that_changes_nothing(cluster, hub, clock):
    karpenter_cluster(cluster)
    hub.reply_extra = {"safe_mode": True}
    slept = run(cluster, hub, clock, "hib-1", mode="sleep")
    assert slept["status"] == "dry_run" and slept["done"] == []
    assert any("delete NodeClaim kp-1-claim" in line for line in slept["would"])
    assert limits(cluster, "spothive-general") == GENERAL_LIMITS
    assert len(cluster.custom_objects("nodeclaims")) == 4


def test_without_the_karpenter_toggle_the_action_is_refused(cluster, hub, clock):
    karpenter_cluster(cluster)
    agent = make_agent(cluster, hub, clock)
    agent.step()
    hub.queue("hib-1", "hibernate_karpenter", mode="sleep")
    agent.step()
    assert hub.results["hib-1"]["status"] == "refused"
    assert limits(cluster, "spothive-general") == GENERAL_LIMITS


def test_the_lightkube_adapter_lists_patches_and_deletes_over_http(clock):
    # Given the simulator served over HTTP and the real adapter
    from spothive_agent.kube_lightkube import LightkubePort, load_config

    cluster = SimCluster(clock=clock)
    clock.cluster = cluster
    karpenter_cluster(cluster)
    server = SimServer(cluster).start()
    try:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            config = server.write_kubeconfig(Path(tmp) / "kubeconfig")
            port = LightkubePort(load_config(str(config), None, False))
            pools = {p["metadata"]["name"]: p for p in port.list_karpenter("nodepools")}
            assert pools["spothive-general"]["spec"]["limits"] == GENERAL_LIMITS
            port.patch_karpenter("nodepools", "spothive-batch", {"spec": {"limits": {"cpu": "0"}}})
            port.delete_karpenter("nodeclaims", "kp-3-claim")
            port.close()
        assert limits(cluster, "spothive-batch") == {"cpu": "0"}
        assert cluster.custom_objects("nodeclaims")["kp-3-claim"]["metadata"]["deletionTimestamp"]
    finally:
        server.stop()


def test_a_sleep_meeting_an_unreadable_saved_annotation_puts_back_the_pools_it_changed(cluster, hub, clock):
    # Given SpotHive's pools, the second (by name) with a hand-edited annotation that is not JSON
    karpenter_cluster(cluster)
    with cluster._lock:
        cluster.store.objects["nodepools"]["spothive-general"]["metadata"]["annotations"][SAVED_ANNOTATION] = "{cpu"
    # When the hub asks the agent to sleep the cluster
    result = run(cluster, hub, clock, "hib-bad", mode="sleep", deadline_s=900, poll_s=5)
    # Then the sleep fails naming the pool, and the pool it had already zeroed has its limits back
    assert result["status"] == "failed"
    assert "unreadable NodePool: NodePool spothive-general: annotation" in result["reason"]
    assert "restored on spothive-batch" in result["reason"]
    assert limits(cluster, "spothive-batch") is None
    assert sorted(cluster.custom_objects("nodeclaims")) == ["kp-1-claim", "kp-2-claim", "kp-3-claim", "own-1-claim"]
