"""The Helm chart rendered by Helm's own engine (helm-python-sdk) and every object checked against the
Kubernetes schemas (kubernetes-validate)."""

from __future__ import annotations

from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "agent" / "chart"
BASE = {"cluster": {"id": "c-123", "name": "prod"}, "api": {"url": "https://api.spothive.io", "token": "sh_agent_x"}}
K8S_VERSION = "1.31.0"


def render(values=None):
    chart = helm.Chart.load(str(CHART))
    try:
        files = chart.render({**BASE, **(values or {})}, name="spothive-agent", namespace="spothive-system")
    finally:
        chart.close()
    objects = []
    for path, text in files.items():
        if path.endswith(".yaml"):
            objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def validate_all(objects):
    for obj in objects.values():
        if obj["apiVersion"].startswith("monitoring.coreos.com"):
            continue  # a CRD kind: no built-in schema (checked by its own test below)
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_default_render_is_valid_kubernetes_and_lints_clean():
    objects = render()
    validate_all(objects)
    assert set(objects) == {
        ("ServiceAccount", "spothive-agent"), ("ClusterRole", "spothive-agent"),
        ("ClusterRoleBinding", "spothive-agent"), ("Role", "spothive-agent-leader"),
        ("RoleBinding", "spothive-agent-leader"), ("Secret", "spothive-agent-token"),
        ("Deployment", "spothive-agent"), ("Service", "spothive-agent-metrics"),
        ("PodDisruptionBudget", "spothive-agent")}
    report = helm.lint(str(CHART), BASE)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] > 1] == []


def test_deployment_runs_two_replicas_with_probes_the_token_and_the_settings():
    deployment = render()[("Deployment", "spothive-agent")]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SPOTHIVE_HUB_URL"] == "https://api.spothive.io" and env["SPOTHIVE_CLUSTER_ID"] == "c-123"
    assert env["SPOTHIVE_TOKEN_FILE"] == "/var/run/secrets/spothive/token"
    assert env["SPOTHIVE_LEASE_NAME"] == "spothive-agent" and env["SPOTHIVE_DRY_RUN"] == "false"
    assert env["SPOTHIVE_HUB_DOWN_GRACE"] == "300"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["port"] == "http-metrics"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["volumes"][0]["secret"]["secretName"] == "spothive-agent-token"
    assert container["resources"]["requests"] == {"cpu": "50m", "memory": "128Mi"}
    assert "sh_agent_x" not in str(deployment)  # the token lives in the Secret only


def test_rbac_grants_only_the_verbs_the_agent_uses():
    objects = render()
    rules = {(r["apiGroups"][0], res): sorted(r["verbs"]) for r in objects[("ClusterRole", "spothive-agent")]["rules"]
             for res in r["resources"]}
    assert rules == {
        ("", "nodes"): ["get", "list", "patch", "watch"], ("", "pods"): ["get", "list", "patch", "watch"],
        ("", "pods/eviction"): ["create"], ("", "persistentvolumes"): ["list", "watch"],
        ("", "events"): ["create", "list", "watch"], ("policy", "poddisruptionbudgets"): ["list", "watch"],
        ("metrics.k8s.io", "nodes"): ["list"], ("metrics.k8s.io", "pods"): ["list"]}
    assert not any("delete" in verbs for verbs in rules.values())
    leader = objects[("Role", "spothive-agent-leader")]["rules"]
    assert leader[1] == {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                         "resourceNames": ["spothive-agent"], "verbs": ["get", "update"]}
    karpenter = render({"karpenter": {"enabled": True}})[("ClusterRole", "spothive-agent")]["rules"]
    assert {r["apiGroups"][0] for r in karpenter} >= {"karpenter.sh", "karpenter.k8s.aws"}


def test_options_existing_secret_service_monitor_dry_run_and_scheduling():
    objects = render({"api": {"url": "https://api.spothive.io", "existingSecret": "my-token"},
                      "metrics": {"port": 9100, "serviceMonitor": {"enabled": True, "labels": {"release": "kps"}}},
                      "agent": {"dryRun": True}, "nodeSelector": {"pool": "system"},
                      "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}], "replicaCount": 1})
    validate_all(objects)
    assert ("Secret", "spothive-agent-token") not in objects and ("PodDisruptionBudget", "spothive-agent") not in objects
    pod = objects[("Deployment", "spothive-agent")]["spec"]["template"]["spec"]
    assert pod["volumes"][0]["secret"]["secretName"] == "my-token"
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux", "pool": "system"} and pod["tolerations"][0]["key"] == "CriticalAddonsOnly"
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["SPOTHIVE_DRY_RUN"] == "true" and env["SPOTHIVE_METRICS_PORT"] == "9100"
    monitor = objects[("ServiceMonitor", "spothive-agent")]
    assert monitor["metadata"]["labels"]["release"] == "kps"
    assert monitor["spec"]["endpoints"][0] == {"port": "http-metrics", "path": "/metrics", "interval": "30s"}


@pytest.mark.parametrize(("values", "message"), [
    ({"replicaCount": "two"}, "at '/replicaCount': got string, want integer"),
    ({"agent": {"logLevel": "LOUD"}}, "/agent/logLevel"),
    ({"api": {"url": "ftp://x", "token": "t"}}, "/api/url"),
])
def test_values_schema_rejects_bad_values_naming_the_field(values, message):
    with pytest.raises(helm.HelmValuesError) as err:
        render(values)
    assert message in str(err.value)


def test_missing_token_fails_with_a_clear_message():
    with pytest.raises(helm.HelmError) as err:
        render({"api": {"url": "https://api.spothive.io"}})
    assert "api.token is required (or set api.existingSecret)" in str(err.value)


def test_the_connect_command_values_match_the_chart():
    # The hub's install command sets cluster.id, cluster.name, api.url and api.token: all exist in values.yaml
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    for dotted in ("cluster.id", "cluster.name", "api.url", "api.token"):
        section, key = dotted.split(".")
        assert key in defaults[section]


def test_the_schema_check_is_real_a_broken_object_fails_it():
    deployment = render()[("Deployment", "spothive-agent")]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"] = 17
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
