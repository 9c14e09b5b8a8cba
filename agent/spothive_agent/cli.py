"""``spothive-agent``: parse the settings, connect to Kubernetes and the hub, serve probes, run the loop."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from spothive_agent import __version__


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                                "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body)


def _logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    from spothive_agent.settings import build_parser, in_cluster, resolve_identity, resolve_namespace

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(__version__)
        return 0
    missing = [flag for flag, value in (("--hub-url", args.hub_url), ("--cluster-id", args.cluster_id)) if not value]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or SPOTHIVE_HUB_URL / SPOTHIVE_CLUSTER_ID)")
    _logging(args.log_level, args.log_format)
    log = logging.getLogger("spothive_agent")


    from spothive_agent.agent import Agent, LoopConfig
    from spothive_agent.clock import SystemClock
    from spothive_agent.hub import HubClient, TokenSource
    from spothive_agent.kube_lightkube import LightkubePort, load_config
    from spothive_agent.statusserver import StatusServer
    token_file = args.token_file if args.token_file and os.path.exists(args.token_file) else None
    tokens = TokenSource(args.token, token_file)
    port = LightkubePort(load_config(args.kubeconfig, args.kube_context, in_cluster(args.in_cluster)),
                         args.kube_context)
    hub = HubClient(args.hub_url, tokens, args.cluster_id, gzip_bodies=args.hub_gzip, verify=args.hub_ca or True)
    config = LoopConfig(
        cluster_id=args.cluster_id, namespace=resolve_namespace(args.namespace), lease_name=args.lease_name,
        identity=resolve_identity(args.identity), region=args.region, heartbeat_s=args.heartbeat_interval,
        snapshot_s=args.snapshot_interval, snapshot_min_s=args.snapshot_min_interval,
        snapshot_max_age_s=args.snapshot_max_age, usage_s=args.usage_interval, actions_wait_s=args.actions_wait,
        lease_duration_s=args.lease_duration, lease_renew_s=args.lease_renew_interval,
        hub_down_grace_s=args.hub_down_grace, dry_run=args.dry_run, karpenter=args.karpenter,
        max_parallel=args.max_parallel_actions, prometheus_url=args.prometheus_url)
    agent = Agent(config, port, hub, SystemClock())
    server = None
    if args.metrics_port:
        server = StatusServer(args.metrics_bind, args.metrics_port, agent.status, agent.metrics.render).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("spothive-agent %s starting as %s for cluster %s (hub %s%s)", __version__, config.identity,
             config.cluster_id, args.hub_url, ", DRY RUN" if config.dry_run else "")
    agent.run(stop)
    if server is not None:
        server.stop()
    hub.close()
    port.close()
    log.info("spothive-agent stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
