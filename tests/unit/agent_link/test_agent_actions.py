"""Plan actions → agent actions, agent signals → hive-mind reports, keyless tolerations in agent snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

from spothive.domain.agent_actions import agent_actions_for, node_names_by_instance, signal_report
from spothive.domain.agent_link import helm_command
from spothive.domain.packing.model import snapshot_from_dict
from spothive.schemas import validate

NOW = datetime(2026, 12, 1, 19, 40, tzinfo=UTC)


def test_drains_and_spot_replacements_become_agent_actions_with_stable_ids_valid_for_the_agent():
    approved = [
        {"type": "add_node", "target": "new-m6i.large-1", "reason": "capacity"},
        {"type": "drain_node", "target": "ip-10-0-1-5", "reason": "consolidation: m5.xlarge at 13% CPU"},
        {"type": "remove_node", "target": "ip-10-0-1-5", "reason": "empty"},
        {"type": "replace_with_spot", "target": "ip-10-0-2-9", "reason": "Spot in us-east-1c"},
    ]
    actions = agent_actions_for("job-42", approved, NOW)
    assert [(a["id"], a["type"], a["params"]) for a in actions] == [
        ("job-42.1", "drain", {"node": "ip-10-0-1-5", "deadline_s": 600}),
        ("job-42.3", "cordon", {"node": "ip-10-0-2-9"}),
    ]
    assert actions[0]["not_after"] == "2026-12-01T20:40:00Z"
    assert all(validate(a, "agent-action") == [] for a in actions)
    assert agent_actions_for("job-42", approved, NOW) == actions  # a retried step maps to the same ids


def test_only_spot_notices_with_a_pool_reach_the_hive_mind():
    base = {"id": "a" * 24, "node": "n", "zone": "us-east-1c", "instance_type": "m5.xlarge", "source": "taint",
            "observed_at": "2026-12-01T19:41:02Z", "capacity_type": "spot"}
    assert signal_report({**base, "kind": "spot_interruption"}) == {
        "kind": "interruption", "zone": "us-east-1c", "instance_type": "m5.xlarge",
        "observed_at": "2026-12-01T19:41:02Z"}
    assert signal_report({**base, "kind": "rebalance_recommendation"})["kind"] == "rebalance"
    assert signal_report({**base, "kind": "scheduled_maintenance"}) is None
    assert signal_report({**base, "kind": "spot_interruption", "zone": None}) is None
    assert signal_report({**base, "kind": "spot_interruption", "capacity_type": "on-demand"}) is None


def test_a_keyless_toleration_tolerates_every_taint_of_the_snapshot():
    snapshot = snapshot_from_dict({
        "cluster": "c", "region": "us-east-1",
        "nodes": [{"name": "gpu", "instance_type": "g4dn.xlarge", "zone": "us-east-1a",
                   "taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]}],
        "pods": [{"name": "aws-node-x", "node": "gpu", "tolerations": [{"operator": "Exists"}]},
                 {"name": "web", "node": "gpu", "tolerations": [{"key": "dedicated", "operator": "Exists"}]}],
    })
    assert [p.tolerations for p in snapshot.pods] == [frozenset({"nvidia.com/gpu"}), frozenset({"dedicated"})]


def test_the_install_command_reads_the_token_into_a_secret_and_installs_the_given_chart():
    command = helm_command("c-1", "prod east", "https://api.spothive.io", "agent/chart")
    lines = command.splitlines()
    assert lines[0].startswith("read -rsp")
    assert "kubectl --namespace spothive-system create secret generic spothive-agent-token" in lines[2]
    assert lines[3].startswith("helm upgrade --install spothive-agent agent/chart --namespace spothive-system")
    assert "'cluster.name=prod east'" in lines[3] and "api.existingSecret=spothive-agent-token" in lines[3]
    assert "api.token" not in command


def test_the_hubs_copies_of_the_agent_schemas_are_the_agents_own():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    for name in ("action", "result", "heartbeat", "usage", "signals"):
        hub = json.loads((root / "layers/spothive/schemas" / f"agent-{name}.schema.json").read_text())
        agent = json.loads((root / "agent/spothive_agent/schemas" / f"{name}.schema.json").read_text())
        assert hub == agent, f"layers/spothive/schemas/agent-{name}.schema.json is out of date"


def test_a_spot_move_naming_an_instance_is_sent_to_the_agent_by_its_node_name():
    snapshot = {"nodes": [{"name": "ip-10-0-1-5.ec2.internal", "provider_id": "aws:///us-east-1a/i-0abc"},
                          {"name": "sim-node", "labels": {"spothive.io/instance-id": "i-0def"}},
                          {"name": "no-id"}]}
    node_of = node_names_by_instance(snapshot)
    assert node_of == {"i-0abc": "ip-10-0-1-5.ec2.internal", "i-0def": "sim-node"}
    approved = [{"type": "replace_with_spot", "target": "i-0abc", "reason": "r"},
                {"type": "replace_with_spot", "target": "i-0zzz", "reason": "r"}]
    assert [a["params"]["node"] for a in agent_actions_for("job-1", approved, NOW, node_of)] == [
        "ip-10-0-1-5.ec2.internal", "i-0zzz"]
