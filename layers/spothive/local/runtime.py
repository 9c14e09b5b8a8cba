"""The embedded SpotHive stack: moto, Redis, provisioned resources, the ticker and the API on loopback."""

from __future__ import annotations

import importlib
import json
import logging
import os
import shlex
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spothive import topology
from spothive.local import dispatch
from spothive.local.api_server import ApiServer, ensure_free
from spothive.local.config import LocalConfig
from spothive.local.dead_letters import AsyncDelivery
from spothive.local.events import INTERRUPTION_WARNING, SPOT_EVENTS_FUNCTION, spot_event
from spothive.local.moto_server import ExternalEndpoint, MotoServer, execution_ended
from spothive.local.offline_feed import write_offline_feed
from spothive.local.provision import Provisioned, client, empty_resources, provision
from spothive.local.redis_server import RedisServer
from spothive.local.ticker import ScaledClock, Ticker, scheduled_event, utc_now

LOG = logging.getLogger("spothive.local")

__all__ = ["HOST", "LocalConfig", "LocalStack"]

HOST = "127.0.0.1"


@dataclass
class LocalStack:
    """Start with ``with LocalStack(config) as stack:``; everything it started stops on exit."""

    config: LocalConfig = field(default_factory=LocalConfig)

    def __post_init__(self) -> None:
        self.moto: MotoServer | ExternalEndpoint = (
            ExternalEndpoint(self.config.aws_endpoint) if self.config.aws_endpoint
            else MotoServer(self.config.moto_port, HOST))
        self.redis = RedisServer(self.config.redis_port, self.config.data_dir, HOST,
                                 prefer_real=self.config.prefer_real_redis)
        self.registry = dispatch.registry
        self.provisioned: Provisioned | None = None
        self.ticker: Ticker | None = None
        self._delivery: AsyncDelivery | None = None
        self.startup_seconds: float | None = None
        self.api = ApiServer(self.config.api_port, HOST, access_log=self.config.access_log,
                             forwarded_allow_ips=self.config.forwarded_allow_ips)
        self._saved_env: dict[str, str | None] = {}
        self._stop_requested = threading.Event()
        self._saved_signals: dict[int, Any] = {}
        self._started = False
        self._attached: list[Any] = []

    # ---- life cycle -------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        """Start Redis, moto, provision, export the environment, then the ticker and the API."""
        began = time.monotonic()
        for flag, port in (("--api-port", self.config.api_port if self.config.serve_api else 0),
                           ("--moto-port", 0 if self.config.aws_endpoint else self.config.moto_port),
                           ("--redis-port", self.config.redis_port)):
            ensure_free(port, flag)
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self._started = True
        try:
            self.redis.start()
            self.moto.start()
            if self.config.serve_api:
                self.api.bind()
            self._provision()
            self._install_log_stream()
            if self.config.ticker:
                self.ticker = Ticker(
                    topology.SCHEDULES, self.deliver, rule_arns=self.provisioned.rules,
                    clock=ScaledClock(self.config.ticker_speed),
                    poll_seconds=min(1.0, 60.0 / self.config.ticker_speed / 4),
                    account=self.provisioned.env["SPOTHIVE_HUB_ACCOUNT_ID"],
                ).start()
            if self.config.serve_api:
                from spothive.api.app import create_app

                self.api.start(create_app)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        LOG.info("SpotHive local stack up in %.2fs", self.startup_seconds)
        return self

    def stop(self) -> None:
        """Stop the API, the ticker, moto and Redis (each attempted), restore the environment."""
        if not self._started:
            self._restore_signals()
            return
        self._started = False
        self._stop_requested.set()
        steps = (self._stop_attached, self.api.stop, self._stop_ticker, self._stop_delivery, self._remove_log_stream,
                 self.moto.stop, self.redis.stop, self._restore_env, self._restore_signals)
        for step in steps:
            try:
                step()
            except Exception:
                LOG.exception("stopping %s failed", getattr(step, "__name__", step))
        LOG.info("SpotHive local stack stopped")

    def attach(self, running: Any) -> None:
        """Stop ``running`` (anything with ``stop()``, e.g. the demo's agent) first when the stack stops."""
        self._attached.append(running)

    def _stop_attached(self) -> None:
        while self._attached:
            self._attached.pop().stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """A clean slate between tests: empty this stack's tables, users, bucket and Redis.

        Only resources under this stack's prefix are touched (moto's state is shared by everything in
        the process); names, ids and ARNs stay the same.
        """
        assert self.provisioned is not None
        import redis

        empty_resources(self.provisioned, self.client)
        with redis.Redis.from_url(self.redis_url) as connection:
            connection.flushdb()
        self.ensure_provisioned()

    def ensure_provisioned(self) -> bool:
        """Provision again if moto lost its state (a ``mock_aws`` test in the same process resets every
        backend); whether it had to. Cheap enough for a function-scoped fixture."""
        assert self.provisioned is not None
        sfn = self.client("stepfunctions")
        try:
            sfn.describe_state_machine(stateMachineArn=self.provisioned.state_machines["optimization"])
        except sfn.exceptions.StateMachineDoesNotExist:
            pass
        else:
            return False
        LOG.warning("moto lost the SpotHive resources; provisioning again")
        if isinstance(self.moto, MotoServer):
            self.moto.configure()
        self._provision()
        return True

    def request_stop(self, signum: int | None = None, _frame: object = None) -> None:
        """Ask :meth:`wait` to return. As a signal handler it also interrupts the main thread at once
        (start-up, the demo, a wait) with ``KeyboardInterrupt``; later signals while stopping are ignored."""
        first = not self._stop_requested.is_set()
        self._stop_requested.set()
        if signum is not None and first:
            raise KeyboardInterrupt

    def install_signal_handlers(self) -> None:
        """SIGINT and SIGTERM interrupt the main thread (see :meth:`request_stop`); :meth:`stop` puts the
        old handlers back."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._saved_signals.setdefault(sig, signal.getsignal(sig))
            signal.signal(sig, self.request_stop)

    def _restore_signals(self) -> None:
        for sig, handler in self._saved_signals.items():
            signal.signal(sig, handler)
        self._saved_signals.clear()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested; ``True`` when it was."""
        return self._stop_requested.wait(timeout)

    # ---- what the stack offers ------------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        """moto's endpoint (``AWS_ENDPOINT_URL``)."""
        return self.moto.endpoint_url

    @property
    def redis_url(self) -> str:
        """The Redis URL (``SPOTHIVE_REDIS_URL``)."""
        return self.redis.url

    @property
    def api_port(self) -> int | None:
        """The API's port while it is bound."""
        return self.api.port

    @property
    def api_url(self) -> str:
        """The API base URL, once it serves."""
        return self.api.url

    @property
    def api_url_or_default(self) -> str:
        """The API base URL, or where it would be (``SPOTHIVE_API_BASE_URL``)."""
        return f"http://{HOST}:{self.api.port or self.config.api_port or 8000}"

    @property
    def env(self) -> dict[str, str]:
        """The environment the API and handlers run with."""
        if self.provisioned is None:
            raise RuntimeError("the stack has not been provisioned")
        return dict(self.provisioned.env)

    def client(self, service: str) -> Any:
        """A boto3 client against moto."""
        return client(service, self.endpoint_url)

    def invoke(self, function: str, event: Any) -> Any:
        """Run a topology function's handler in process (as the ticker does)."""
        arn = self.provisioned.functions.get(function, "") if self.provisioned else ""
        return self.registry.invoke(function, event, arn)

    @property
    def delivery(self) -> AsyncDelivery:
        """Asynchronous delivery as Lambda and EventBridge do it: retries, then the function's dead-letter queue."""
        assert self.provisioned is not None
        if self._delivery is None:
            self._delivery = AsyncDelivery(self.invoke, self.client("sqs"), self.provisioned.dead_letters)
        return self._delivery

    def deliver(self, function: str, event: Any) -> Any:
        """Deliver ``event`` to ``function`` asynchronously (the ticker, Spot signals, ``InvocationType=Event``)."""
        return self.delivery.deliver(function, event)

    def fire_schedule(self, name: str) -> Any:
        """Run one schedule's handler now (``discovery``, ``prices``, …) with its scheduled event."""
        assert self.provisioned is not None
        spec = next(s for s in topology.SCHEDULES if s.name == name)
        event = scheduled_event(self.provisioned.rules[name], utc_now(), self.provisioned.region,
                                self.env["SPOTHIVE_HUB_ACCOUNT_ID"])
        return self.invoke(spec.function, event)

    def emit_spot_event(self, instance_id: str, detail_type: str = INTERRUPTION_WARNING) -> Any:
        """Deliver a Spot interruption warning (or rebalance recommendation) to ``worker-spot-events`` as the
        EventBridge rule does: retried, then dead-lettered."""
        event = spot_event(instance_id, detail_type=detail_type, account=self.env["SPOTHIVE_HUB_ACCOUNT_ID"])
        return self.deliver(SPOT_EVENTS_FUNCTION, event)

    def start_execution(self, machine: str, payload: Any, name: str | None = None) -> str:
        """Start ``machine`` (``optimization`` or ``live-switch``) with a unique name; its execution ARN."""
        assert self.provisioned is not None
        response = self.client("stepfunctions").start_execution(
            stateMachineArn=self.provisioned.state_machines[machine],
            name=name or f"{machine}-{uuid.uuid4().hex[:12]}",
            input=json.dumps(payload),
        )
        return str(response["executionArn"])

    def wait_execution(self, execution_arn: str, timeout: float = 60.0, poll: float = 0.05) -> dict[str, Any]:
        """Poll ``DescribeExecution`` until the execution has ended (or ``timeout`` passes).

        A SUCCEEDED answer still missing its output counts as running (see :func:`execution_ended`).
        """
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if execution_ended(described) or time.monotonic() > deadline:
                return described
            time.sleep(poll)

    def run_demo(self) -> bool:
        """Run ``spothive.local.demo.run(stack)`` when that module exists; whether it ran."""
        try:
            demo = importlib.import_module("spothive.local.demo")
        except ModuleNotFoundError as exc:
            if exc.name == "spothive.local.demo":
                LOG.info("no demo module; skipping the demo")
                return False
            raise
        demo.run(self)
        return True

    def summary(self) -> str:
        """A few lines saying what runs where."""
        lines = [
            f"{'AWS' if self.config.aws_endpoint else 'moto (AWS)':<13}{self.endpoint_url}",
            f"redis        {self.redis_url} ({self.redis.kind})",
            f"data dir     {self.config.data_dir.resolve()}",
            f"env file     {self.env_file}",
        ]
        if self.api_port is not None:
            lines += [f"API          {self.api_url}/api", f"API docs     {self.api_url}/api/docs"]
        if self.ticker is not None:
            lines.append(f"ticker       {len(topology.SCHEDULES)} schedules (x{self.config.ticker_speed:g})")
        return "\n".join(lines)

    @property
    def env_file(self) -> Path:
        """``<data dir>/local.env``: ``source`` it to point a shell at the stack."""
        return self.config.data_dir / "local.env"

    # ---- internals --------------------------------------------------------------------------------
    def _provision(self) -> None:
        # no internet locally: the advisor worker reads the catalog snapshot's buckets from a file
        feed = os.environ.get("SPOTHIVE_ADVISOR_FEED") or str(write_offline_feed(self.config.data_dir).resolve())
        self.provisioned = provision(self.moto.endpoint_url, redis_url=self.redis.url,
                                     prefix=self.config.prefix, api_base_url=self.api_url_or_default,
                                     advisor_feed=feed)
        self._export_env(self.provisioned.env)
        self._write_env_file()
        dispatch.set_async_delivery(self.deliver)

    def _export_env(self, env: dict[str, str]) -> None:
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        _clear_settings_cache()

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        _clear_settings_cache()

    def _write_env_file(self) -> None:
        body = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(self.env.items()))
        self.env_file.write_text(body, encoding="utf-8")

    def _stop_delivery(self) -> None:
        dispatch.set_async_delivery(None)
        self._delivery = None

    def _install_log_stream(self) -> None:
        """The stack's ``spothive`` records feed ``/api/admin/logs`` (on AWS: the log subscription)."""
        from spothive.wiring import streams as streams_wiring

        self._log_stream = streams_wiring.install_log_stream()

    def _remove_log_stream(self) -> None:
        handler = getattr(self, "_log_stream", None)
        if handler is not None:
            logging.getLogger("spothive").removeHandler(handler)
            self._log_stream = None

    def _stop_ticker(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None


def _clear_settings_cache() -> None:
    """Forget settings and every built component, so in-process handlers see this stack's environment."""
    from spothive import wiring

    wiring.reset()
