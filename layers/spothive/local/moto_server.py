"""moto's server, in this process, on loopback: the local AWS for SpotHive.

Step Functions executions really run (``stepfunctions.execute_state_machine``), Lambda runs without
Docker and its invocations are dispatched to the in-process handlers (:mod:`spothive.local.dispatch`).
moto's state is process-global, so run one server per process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.parse
import urllib.request
from typing import Any

from spothive.local import dispatch

LOG = logging.getLogger("spothive.local.moto")

#: The moto configuration the local stack needs (also what ``mock_aws(config=...)`` takes).
MOTO_CONFIG: dict[str, dict[str, bool]] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


def execution_ended(described: dict[str, Any]) -> bool:
    """Whether a ``DescribeExecution`` answer is final.

    moto sets SUCCEEDED a moment before it stores the output, so SUCCEEDED without ``output`` is not final yet.
    """
    status = described["status"]
    return status != "RUNNING" and (status != "SUCCEEDED" or "output" in described)


class MotoServer:
    """Start/stop moto's ``ThreadedMotoServer`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, port: int = 5000, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._previous_moto_port: str | None = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        if self.port is None:
            raise RuntimeError("moto server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> MotoServer:
        """Start serving, configure moto and install the Lambda dispatch.

        This is ``moto.server.ThreadedMotoServer`` with the socket bound in the calling thread, so a
        busy port raises here (moto's version waits forever) and :meth:`stop` closes the socket.
        """
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from spothive.local.moto_dynamodb import serialize_writes

        serialize_writes()  # a failing transaction must not restore a table another thread just wrote
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").addFilter(_quiet_fail_states)
        app = DomainDispatcherApplication(create_backend_app)
        server = make_server(self.host, self.requested_port, app, threaded=True,
                             request_handler=MotoRequestHandler)
        server.daemon_threads = True
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="moto-server", daemon=True)
        self._thread.start()
        # moto's Step Functions interpreter calls Lambda back through this port.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)
        self.configure()
        dispatch.install()
        LOG.info("moto server on %s", self.endpoint_url)
        return self

    def configure(self, config: dict[str, dict[str, bool]] | None = None) -> dict[str, object]:
        """POST moto's configuration to ``/moto-api/config`` and return what moto now holds."""
        return self._post("/moto-api/config", config or MOTO_CONFIG)

    def reset(self) -> None:
        """Forget every resource (moto's ``/moto-api/reset``); the configuration stays."""
        self._post("/moto-api/reset", {})
        self.configure()

    def stop(self) -> None:
        """Stop serving and restore ``MOTO_PORT``."""
        if self._server is None:
            return
        dispatch.uninstall()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
        if self._previous_moto_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._previous_moto_port
        LOG.info("moto server on port %s stopped", self.port)
        self.port = None

    def _post(self, path: str, body: object) -> dict[str, object]:
        request = urllib.request.Request(  # noqa: S310 - loopback URL built here
            self.endpoint_url + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            text = response.read().decode("utf-8")
        return json.loads(text) if text.strip().startswith("{") else {}

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _quiet_fail_states(record: logging.LogRecord) -> bool:
    """Shorten moto's ERROR for a failure event (a Catch or a Fail state) to a one-line WARNING.

    moto logs every failure event with the whole state's repr; the execution history has the details.
    """
    args = record.args if isinstance(record.args, tuple) else ()
    if args and str(args[0]).startswith("Exception=FailureEventException"):
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = "step failure event: %s", (args[0],)
    return True


class ExternalEndpoint:
    """An AWS emulator that is already running (LocalStack, a shared moto): used, never started or stopped."""

    def __init__(self, endpoint_url: str) -> None:
        self._url = endpoint_url.rstrip("/")
        self.port: int | None = urllib.parse.urlsplit(self._url).port

    @property
    def endpoint_url(self) -> str:
        """The endpoint as given."""
        return self._url

    def start(self) -> ExternalEndpoint:
        """Nothing to start."""
        LOG.info("using the AWS endpoint at %s", self._url)
        return self

    def reset(self) -> None:
        """An external emulator is not ours to empty."""
        raise RuntimeError(f"refusing to reset the external endpoint {self._url}")

    def stop(self) -> None:
        """Nothing to stop."""
