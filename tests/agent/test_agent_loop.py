"""The agent loop against the simulated cluster and a fake hub (fake clock, in process)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from spothive_agent.actions import load_schema
from tests.agent.conftest import make_agent, node

HUB_SCHEMA = Path(__file__).resolve().parents[2] / "layers" / "spothive" / "schemas" / "snapshot.schema.json"


def web_cluster(cluster, replicas=2, min_available=None, max_unavailable=None, cpu="500m"):
    cluster.add_node(node("node-a", "us-east-1a"))
    cluster.add_node(node("node-b", "us-east-1b"))
    cluster.workloads.add_daemonset("kube-system", "aws-node")
    cluster.workloads.add_deployment("web", "web", replicas, cpu=cpu, memory="1Gi", node_selector={
        "topology.kubernetes.io/zone": "us-east-1a"})
    if min_available is not None or max_unavailable is not None:
        cluster.add_pdb("web", "web", {"app": "web"}, min_available=min_available, max_unavailable=max_unavailable)


def test_first_step_sends_a_heartbeat_and_a_snapshot_the_hub_schema_accepts(cluster, hub, agent):
    # Given a cluster with a GPU pod and a zonal volume
    web_cluster(cluster, replicas=1, max_unavailable=1)
    cluster.add_node(node("gpu-1", "us-east-1a", "g5.xlarge",
                          allocatable={"cpu": "3920m", "memory": "14Gi", "pods": "58", "nvidia.com/gpu": "1"}))
    cluster.workloads.add_deployment("ml", "train", 1, cpu="1", memory="2Gi", extended={"nvidia.com/gpu": 1},
                                     tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists"}], pvc="data-train")
    cluster.add_pv("pv-1", "ml", "data-train", "us-east-1a")
    # When the agent steps once
    agent.step()
    # Then the hub has a heartbeat and a snapshot that validates against the hub's v1 schema
    assert agent.elector.is_leader
    assert hub.heartbeats[0]["leader"] is True and hub.heartbeats[0]["mode"] == "active"
    snap = hub.snapshots[0]
    jsonschema.validate(snap, json.loads(HUB_SCHEMA.read_text()))
    jsonschema.validate(snap, load_schema("snapshot-v2"))
    assert snap["schema_version"] == 2 and snap["cluster"] == "c-123" and snap["region"] == "us-east-1"
    train = next(p for p in snap["pods"] if p["owner"] == "train")
    assert train["node"] == "gpu-1" and train["gpu"] == 1 and train["extended"] == {"nvidia.com/gpu": 1}
    assert train["owner_kind"] == "Deployment" and train["volume_zones"] == ["us-east-1a"]
    ds = [p for p in snap["pods"] if p["owner_kind"] == "DaemonSet"]
    assert len(ds) == 3  # one per Ready node
    gpu_node = next(n for n in snap["nodes"] if n["name"] == "gpu-1")
    assert gpu_node["allocatable"]["nvidia.com/gpu"] == 1 and gpu_node["ready"] is True
    assert snap["pdbs"] == [{**snap["pdbs"][0], "selector_owner": "web", "disruptions_allowed": 1, "max_unavailable": 1}]


def test_snapshot_is_resent_only_when_the_cluster_changed(cluster, hub, agent, clock):
    web_cluster(cluster)
    agent.step()
    clock.advance(61)
    agent.step()  # nothing changed: no second snapshot, only the periodic check
    assert len(hub.snapshots) == 1
    cluster.workloads.add_deployment("jobs", "worker", 1)
    clock.advance(16)
    agent.step()
    assert len(hub.snapshots) == 2
    assert any(p["owner"] == "worker" for p in hub.snapshots[1]["pods"])


def test_drain_blocked_by_a_pdb_reports_it_at_the_deadline(cluster, hub, agent):
    # Given two web pods on node-a and a PDB that needs both
    web_cluster(cluster, replicas=2, min_available=2)
    agent.step()
    hub.queue("a-1", "drain", node="node-a", deadline_s=60, retry_s=5)
    # When the drain runs
    agent.step()
    # Then nothing was evicted, and the result names the PDB
    result = hub.results["a-1"]
    jsonschema.validate(result, load_schema("result"))
    assert result["status"] == "blocked"
    assert result["reason"].startswith("blocked by PDB web/web: 2 pod(s) not evicted")
    assert {r["reason"] for r in result["refused"]} == {"blocked by PDB web/web"}
    assert cluster.evictions == []
    assert agent.metrics.pdb_blocks.labels("web/web")._value.get() == 1
    assert cluster.get_node("node-a")["spec"]["unschedulable"] is True


def test_drain_blocked_by_a_pdb_then_succeeds_once_a_replacement_node_is_ready(cluster, hub, agent):
    # Given 3 web replicas pinned to zone a, only 2 fit on node-a, and a PDB needing 2 healthy
    web_cluster(cluster, replicas=3, min_available=2, cpu="900m")
    assert len(cluster.pending()) == 1
    agent.step()
    # And a new zone-a node that boots in 60 s
    cluster.launch_node(node("node-c", "us-east-1a"))
    hub.queue("a-2", "drain", node="node-a", deadline_s=600, retry_s=5)
    # When the drain runs (429s until node-c is Ready and the pending pod is healthy there)
    agent.step()
    # Then the drain ends done, every web pod left node-a, DaemonSet pods stayed
    result = hub.results["a-2"]
    assert result["status"] == "done", result
    assert result["details"]["evicted"] == 2
    assert [p for p in cluster.pods_on("node-a") if p.startswith("web/")] == []
    assert any(p.startswith("kube-system/aws-node") for p in cluster.pods_on("node-a"))
    assert {d["why"] for d in result["details"]["skipped"]} == {"DaemonSet"}
    assert agent.metrics.evictions.labels("blocked")._value.get() >= 1
    assert agent.metrics.evictions.labels("evicted")._value.get() == 2


def test_a_do_not_disrupt_pod_refuses_the_drain_before_anything_changes(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    cluster.workloads.add_deployment("jobs", "report", 1, node_selector={"kubernetes.io/hostname": "node-a"},
                                     annotations={"karpenter.sh/do-not-disrupt": "true"})
    agent.step()
    hub.queue("a-3", "drain", node="node-a")
    agent.step()
    result = hub.results["a-3"]
    assert result["status"] == "refused"
    assert result["refused"][0]["reason"] == "annotated karpenter.sh/do-not-disrupt=true"
    assert result["refused"][0]["target"].startswith("pod/jobs/report-")
    assert result["done"] == [] and cluster.evictions == []
    assert not cluster.get_node("node-a")["spec"].get("unschedulable")


def test_cordon_then_uncordon_round_trip(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.queue("c-1", "cordon", node="node-b")
    agent.step()
    n = cluster.get_node("node-b")
    assert n["spec"]["unschedulable"] is True
    assert {"key": "spothive.io/disrupted", "effect": "NoSchedule"} in n["spec"]["taints"]
    assert n["metadata"]["annotations"]["spothive.io/cordoned-by-action"] == "c-1"
    hub.queue("u-1", "uncordon", node="node-b")
    agent.step()
    n = cluster.get_node("node-b")
    assert "unschedulable" not in n["spec"] and not n["spec"].get("taints")
    assert "spothive.io/cordoned-by-action" not in n["metadata"]["annotations"]
    assert hub.results["u-1"]["status"] == "done"


def test_uncordon_leaves_a_cordon_someone_else_made(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    cluster.patch_node("node-b", {"spec": {"unschedulable": True}})
    agent.step()
    hub.queue("u-2", "uncordon", node="node-b")
    agent.step()
    assert hub.results["u-2"]["status"] == "refused"
    assert "cordoned by someone other than SpotHive" in hub.results["u-2"]["reason"]
    assert cluster.get_node("node-b")["spec"]["unschedulable"] is True


def test_hub_down_past_the_grace_enters_safe_mode_and_undoes_untouched_cordons(cluster, hub, agent, clock):
    # Given a node SpotHive cordoned and no drain started on it
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.queue("c-2", "cordon", node="node-b")
    agent.step()
    assert cluster.get_node("node-b")["spec"]["unschedulable"] is True
    # When the hub is unreachable for longer than the 5 min grace
    hub.down = True
    clock.advance(200)
    agent.step()
    assert not agent.in_safe_mode
    clock.advance(120)
    agent.step()
    # Then the agent is in safe mode, says so, and the untouched cordon is undone
    assert agent.in_safe_mode
    healthy, status = agent.status()
    assert healthy and status["mode"] == "safe_mode" and "unreachable for 320 s" in status["safe_mode_reason"]
    assert "unschedulable" not in cluster.get_node("node-b")["spec"]
    assert agent.metrics.safe_mode._value.get() == 1
    # And a disruptive action is refused even if handed over directly
    result = agent.executor.execute({"id": "d-9", "type": "drain", "params": {"node": "node-a"}})
    assert result["status"] == "refused" and result["reason"].startswith("safe mode: the hub has been unreachable")
    # When the hub comes back, safe mode ends
    hub.down = False
    clock.advance(31)
    agent.step()
    assert not agent.in_safe_mode and agent.status()[1]["mode"] == "active"


def test_two_replicas_one_leader_and_the_standby_takes_over_when_the_lease_expires(cluster, hub, clock):
    web_cluster(cluster, replicas=1)
    first, second = make_agent(cluster, hub, clock, "agent-0"), make_agent(cluster, hub, clock, "agent-1")
    first.step()
    second.step()
    assert first.elector.is_leader and not second.elector.is_leader
    assert second.status()[1]["status"].startswith("standby")
    assert len(hub.heartbeats) == 1  # only the leader talks to the hub
    hub.queue("c-3", "cordon", node="node-b")
    clock.advance(6)
    first.step()
    second.step()
    assert list(hub.results) == ["c-3"] and hub.results["c-3"]["agent"]["identity"] == "agent-0"
    # The leader stops renewing; after the lease duration the standby takes over
    clock.advance(20)
    second.step()
    assert second.elector.is_leader
    lease = cluster.get_lease("spothive-system", "spothive-agent")
    assert lease["spec"]["holderIdentity"] == "agent-1" and lease["spec"]["leaseTransitions"] == 1
    clock.advance(6)
    first.step()
    assert not first.elector.is_leader


def test_a_replayed_action_the_hub_already_acknowledged_is_not_executed_again(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.queue("c-4", "cordon", node="node-b")
    hub.acked.add("c-4")  # acknowledged by an earlier agent process
    agent.step()
    assert "c-4" not in hub.results
    assert not cluster.get_node("node-b")["spec"].get("unschedulable")


def test_dry_run_logs_exactly_what_it_would_do_and_changes_nothing(cluster, hub, clock, caplog):
    web_cluster(cluster, replicas=2)
    agent = make_agent(cluster, hub, clock, dry_run=True)
    agent.step()
    hub.queue("d-1", "drain", node="node-a")
    with caplog.at_level("INFO", logger="spothive_agent"):
        agent.step()
    result = hub.results["d-1"]
    assert result["status"] == "dry_run" and result["dry_run"] is True and result["done"] == []
    assert result["would"][0].startswith("tainted spothive.io/disrupted:NoSchedule and cordoned node node-a {")
    assert sum(w.startswith("evict pod web/web-") for w in result["would"]) == 2
    assert cluster.evictions == [] and not cluster.get_node("node-a")["spec"].get("unschedulable")
    assert "[DRY RUN] action d-1 would tainted" in caplog.text
    assert hub.heartbeats[0]["mode"] == "dry_run"


def test_the_hub_safe_mode_flag_turns_actions_into_dry_runs(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    hub.reply_extra = {"safe_mode": True}
    agent.step()
    hub.queue("c-5", "cordon", node="node-b")
    agent.step()
    assert hub.results["c-5"]["status"] == "dry_run"
    assert not cluster.get_node("node-b")["spec"].get("unschedulable")


def test_invalid_action_is_refused_naming_the_field(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.actions.append({"id": "bad-1", "type": "drain", "params": {"node": "node-a", "deadline_s": "soon"}})
    agent.step()
    assert hub.results["bad-1"]["status"] == "refused"
    assert hub.results["bad-1"]["reason"] == "invalid action: $.params.deadline_s: 'soon' is not of type 'integer'"


def test_annotate_accepts_only_spothive_keys(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.queue("n-1", "annotate", target={"kind": "Node", "name": "node-a"}, annotations={"spothive.io/plan": "p-7"})
    hub.queue("n-2", "annotate", target={"kind": "Node", "name": "node-a"},
              annotations={"karpenter.sh/do-not-disrupt": "false"})
    agent.step()
    assert hub.results["n-1"]["status"] == "done"
    assert cluster.get_node("node-a")["metadata"]["annotations"]["spothive.io/plan"] == "p-7"
    assert hub.results["n-2"]["status"] == "refused" and "$.params.annotations" in hub.results["n-2"]["reason"]
    assert "karpenter.sh/do-not-disrupt" not in cluster.get_node("node-a")["metadata"]["annotations"]


def test_wait_node_ready_reports_the_new_node(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    cluster.launch_node(node("node-new", "us-east-1c", "c6i.large", capacity_type="spot"))
    agent.step()
    hub.queue("w-1", "wait_node_ready", node="node-new", timeout_s=300, poll_s=10)
    agent.step()
    result = hub.results["w-1"]
    assert result["status"] == "done"
    assert result["details"]["instance_type"] == "c6i.large" and result["details"]["capacity_type"] == "spot"
    assert 60 <= result["details"]["waited_s"] <= 70


def test_wait_node_ready_fails_at_its_timeout(cluster, hub, agent):
    web_cluster(cluster, replicas=1)
    agent.step()
    hub.queue("w-2", "wait_node_ready", node="never", timeout_s=30, poll_s=10)
    agent.step()
    assert hub.results["w-2"]["status"] == "failed"
    assert hub.results["w-2"]["reason"] == "node never not Ready after 30 s (never registered)"


def test_apply_karpenter_needs_the_toggle_and_then_applies(cluster, hub, clock):
    web_cluster(cluster, replicas=1)
    nodepool = {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "spothive-general"},
                "spec": {"template": {"spec": {"requirements": [
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot", "on-demand"]}]}}}}
    off = make_agent(cluster, hub, clock)
    off.step()
    hub.queue("k-1", "apply_karpenter", objects=[nodepool])
    off.step()
    assert hub.results["k-1"]["status"] == "refused" and "karpenter.enabled=false" in hub.results["k-1"]["reason"]
    on = make_agent(cluster, hub, clock, identity="agent-0", karpenter=True)
    on.step()
    hub.queue("k-2", "apply_karpenter", objects=[nodepool])
    on.step()
    assert hub.results["k-2"]["status"] == "done"
    applied = cluster.custom_objects("nodepools")["spothive-general"]
    assert applied["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "spothive"


def test_spot_signals_and_usage_reach_the_hub(cluster, hub, agent, clock):
    web_cluster(cluster, replicas=2)
    first, second = sorted(k for k in cluster.pods_on("node-a") if k.startswith("web/"))
    cluster.set_usage(first, 420, 700)
    agent.step()
    usage = {f"{p['namespace']}/{p['name']}": (p["cpu_m"], p["memory_mib"]) for p in hub.usage[0]["pods"]}
    assert usage[first] == (420, 700)
    assert usage[second] == (150, 512)  # no sample set: 30 % of the CPU, 50 % of the memory requested
    assert hub.usage[0]["source"] == "metrics-server" and len(hub.usage[0]["nodes"]) == 2
    # each pod carries its workload (the owner its snapshot record names), which right-sizing groups by
    owners = {f"{p['namespace']}/{p['name']}": p["owner"] for p in hub.usage[0]["pods"]}
    assert owners[first] == owners[second] == "web"
    cluster.signal_spot_interruption("node-b")
    clock.advance(1)
    agent.step()
    kinds = {(s["node"], s["kind"]) for s in hub.signals.values()}
    assert kinds == {("node-b", "spot_interruption")}
    signal = next(iter(hub.signals.values()))
    assert signal["instance_type"] == "m5.large" and signal["zone"] == "us-east-1b"


def test_a_drain_running_when_the_hub_stays_down_is_aborted_and_its_cordon_undone(cluster, hub, agent):
    # Given a drain blocked by a PDB with a long deadline, and a hub that cannot be reached
    web_cluster(cluster, replicas=2, min_available=2)
    agent.step()
    hub.down = True
    # When the drain keeps retrying past the hub-down grace
    result = agent.executor.execute({"id": "a-9", "type": "drain",
                                     "params": {"node": "node-a", "deadline_s": 3600, "retry_s": 30}})
    # Then it stops, says why, and gives the node back to the scheduler
    assert result["status"] == "aborted"
    assert result["reason"].startswith("drain stopped: the hub has been unreachable for")
    assert result["reason"].endswith("2 pod(s) left running on node-a; node uncordoned")
    assert "unschedulable" not in cluster.get_node("node-a")["spec"]
    assert cluster.evictions == []


def test_large_bodies_go_gzip_and_fall_back_to_plain_json_for_a_hub_without_gzip(cluster, hub, clock):
    web_cluster(cluster, replicas=10, cpu="50m")
    agent = make_agent(cluster, hub, clock)
    agent.step()
    assert hub.gzip_bodies == 1 and len(hub.snapshots) == 1  # the snapshot; the small usage body goes plain
    plain = type(hub)(accept_gzip=False)
    agent = make_agent(cluster, plain, clock, identity="agent-0")
    clock.advance(30)
    agent.step()
    assert len(plain.snapshots) == 1 and plain.gzip_bodies == 0
    assert agent.hub.gzip_bodies is False


def test_every_body_the_agent_sends_matches_its_published_schema(cluster, hub, agent, clock):
    web_cluster(cluster, replicas=2)
    agent.step()
    cluster.signal_spot_interruption("node-b", "rebalance-recommendation")
    hub.queue("s-1", "cordon", node="node-a")
    clock.advance(31)
    agent.step()
    for body in hub.heartbeats:
        jsonschema.validate(body, load_schema("heartbeat"))
    for body in hub.usage:
        jsonschema.validate(body, load_schema("usage"))
    jsonschema.validate({"cluster_id": hub.cluster_id, "signals": list(hub.signals.values())}, load_schema("signals"))
    for result in hub.results.values():
        jsonschema.validate(result, load_schema("result"))
    assert len(hub.heartbeats) == 2 and hub.heartbeats[1]["snapshot_digest"]
    assert [s["kind"] for s in hub.signals.values()] == ["rebalance_recommendation"]
    assert hub.results["s-1"]["status"] == "done"
