"""Every setting of the agent: a command-line flag, each defaulting to an environment variable (Helm sets those)."""

from __future__ import annotations

import argparse
import os
import socket
from dataclasses import dataclass
from pathlib import Path

SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: flag, environment variable, default, type and help."""

    flag: str
    env: str
    default: object
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("--hub-url", "SPOTHIVE_HUB_URL", None, "SpotHive API base URL, e.g. https://api.spothive.io (required)"),
    Setting("--cluster-id", "SPOTHIVE_CLUSTER_ID", None, "this cluster's id in SpotHive (required)"),
    Setting("--token-file", "SPOTHIVE_TOKEN_FILE", "/var/run/secrets/spothive/token",
            "file holding the agent token (the Helm chart mounts the Secret here; re-read when it changes)"),
    Setting("--token", "SPOTHIVE_TOKEN", None, "the agent token itself (used when the token file is absent)"),
    Setting("--hub-ca", "SPOTHIVE_HUB_CA", None, "CA bundle to verify the hub's TLS certificate (default: system CAs)"),
    Setting("--hub-gzip", "SPOTHIVE_HUB_GZIP", True, "gzip large request bodies (snapshot, usage); falls back to plain "
            "JSON if the hub refuses them", bool),
    Setting("--kubeconfig", "SPOTHIVE_KUBECONFIG", None, "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"),
    Setting("--kube-context", "SPOTHIVE_KUBE_CONTEXT", None, "kubeconfig context (default: the current one)"),
    Setting("--in-cluster", "SPOTHIVE_IN_CLUSTER", "auto", "use the pod's service account: true, false or auto "
            "(auto = when KUBERNETES_SERVICE_HOST is set)"),
    Setting("--namespace", "SPOTHIVE_NAMESPACE", None, "namespace of the leader Lease (default: the pod's own, else "
            "spothive-system)"),
    Setting("--lease-name", "SPOTHIVE_LEASE_NAME", "spothive-agent", "name of the leader-election Lease"),
    Setting("--identity", "SPOTHIVE_IDENTITY", None, "this replica's identity in the Lease (default: $POD_NAME or "
            "the host name)"),
    Setting("--region", "SPOTHIVE_REGION", None, "AWS region for the snapshot (default: from node labels)"),
    Setting("--heartbeat-interval", "SPOTHIVE_HEARTBEAT_INTERVAL", 30.0, "seconds between heartbeats", float),
    Setting("--snapshot-interval", "SPOTHIVE_SNAPSHOT_INTERVAL", 60.0, "seconds between snapshot checks: a snapshot "
            "is sent when the cluster changed since the last one", float),
    Setting("--snapshot-min-interval", "SPOTHIVE_SNAPSHOT_MIN_INTERVAL", 15.0, "least seconds between two snapshots "
            "sent on change (debounces bursts of watch events)", float),
    Setting("--snapshot-max-age", "SPOTHIVE_SNAPSHOT_MAX_AGE", 600.0, "resend an unchanged snapshot after this many "
            "seconds", float),
    Setting("--usage-interval", "SPOTHIVE_USAGE_INTERVAL", 60.0, "seconds between usage samples (0 turns usage off)",
            float),
    Setting("--prometheus-url", "SPOTHIVE_PROMETHEUS_URL", None, "read usage from this Prometheus instead of "
            "metrics.k8s.io"),
    Setting("--actions-wait", "SPOTHIVE_ACTIONS_WAIT", 20, "seconds an action long-poll waits at the hub", int),
    Setting("--lease-duration", "SPOTHIVE_LEASE_DURATION", 15, "seconds a Lease stays valid without renewal", int),
    Setting("--lease-renew-interval", "SPOTHIVE_LEASE_RENEW_INTERVAL", 5.0, "seconds between Lease renewals", float),
    Setting("--hub-down-grace", "SPOTHIVE_HUB_DOWN_GRACE", 300.0, "seconds without reaching the hub before safe mode: "
            "no new disruptive actions, untouched cordons undone", float),
    Setting("--dry-run", "SPOTHIVE_DRY_RUN", False, "log exactly what each action would change, change nothing", bool),
    Setting("--karpenter", "SPOTHIVE_KARPENTER", False, "allow apply_karpenter actions (NodePool/EC2NodeClass)", bool),
    Setting("--max-parallel-actions", "SPOTHIVE_MAX_PARALLEL_ACTIONS", 4, "actions run at once (one per node)", int),
    Setting("--metrics-port", "SPOTHIVE_METRICS_PORT", 8080, "port of /healthz and /metrics (0 turns them off)", int),
    Setting("--metrics-bind", "SPOTHIVE_METRICS_BIND", "0.0.0.0", "address /healthz and /metrics bind to"),
    Setting("--log-level", "SPOTHIVE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Setting("--log-format", "SPOTHIVE_LOG_FORMAT", "json", "json (one object a line) or text"),
)


def _truthy(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {value!r}")


def build_parser() -> argparse.ArgumentParser:
    """The ``spothive-agent`` command line; every flag's default comes from its environment variable."""
    parser = argparse.ArgumentParser(
        prog="spothive-agent",
        description="SpotHive's in-cluster agent: observes the cluster for the SpotHive hub (heartbeat, snapshot, "
                    "usage, spot signals) and carries out its actions (cordon, drain through the Eviction API, "
                    "wait for new nodes, rollback, Karpenter NodePools, annotations) as the Lease leader.",
        epilog="Each flag may be set by the environment variable shown; a flag given on the command line wins. "
               "Booleans accept true/false/1/0.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    for s in SETTINGS:
        env = os.environ.get(s.env)
        default = s.default if env is None else (_truthy(env) if s.kind is bool else s.kind(env))
        dest = s.flag[2:].replace("-", "_")
        if s.kind is bool:
            parser.add_argument(s.flag, dest=dest, default=default, type=_truthy, nargs="?", const=True,
                                metavar="BOOL", help=f"{s.help} [env {s.env}]")
        else:
            parser.add_argument(s.flag, dest=dest, default=default, type=s.kind, help=f"{s.help} [env {s.env}]")
    parser.add_argument("--version", action="store_true", help="print the agent version and exit")
    return parser


def resolve_namespace(given: str | None) -> str:
    """The Lease namespace: the flag, the pod's namespace, else spothive-system."""
    if given:
        return given
    try:
        return SA_NAMESPACE.read_text().strip() or "spothive-system"
    except OSError:
        return "spothive-system"


def resolve_identity(given: str | None) -> str:
    """This replica's identity: the flag, $POD_NAME, else the host name."""
    return given or os.environ.get("POD_NAME") or socket.gethostname()


def in_cluster(mode: str) -> bool:
    """Whether to use the service account."""
    if mode == "auto":
        return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    return _truthy(mode)
