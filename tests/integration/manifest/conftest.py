"""The embedded stack with every AWS call recorded and attributed to the function that made it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from spothive import topology
from spothive.local.dispatch import resolve_handler
from spothive.local.runtime import LocalConfig, LocalStack
from tests.integration.manifest import recorder


def _attributed(spec: topology.FunctionSpec) -> Any:
    """``spec``'s own handler, with the calls it makes attributed to it (whatever thread runs it)."""

    def handler(event: Any, context: Any) -> Any:
        with recorder.running(spec.name):
            return resolve_handler(spec.handler)(event, context)

    return handler


@pytest.fixture(scope="package")
def recording() -> Iterator[recorder.Recorder]:
    """The recorder, installed before anything in the stack builds a botocore session."""
    with recorder.installed() as installed:
        yield installed


@pytest.fixture(scope="package")
def stack(recording: recorder.Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """moto + Redis provisioned from the manifests; every topology handler attributed."""
    saved = os.environ.get("SPOTHIVE_RATE_LIMITS_ENABLED")
    os.environ["SPOTHIVE_RATE_LIMITS_ENABLED"] = "false"
    # the stack rebuilds the process's services when it exports its environment, so every client
    # (boto3's and pynamodb's) is created after the recorder was installed
    handlers = {spec.name: _attributed(spec) for spec in topology.ALL_FUNCTIONS}
    with LocalStack(LocalConfig.ephemeral(tmp_path_factory.mktemp("spothive-reach"))) as local, \
            local.registry.override(handlers):
        yield local
    if saved is None:
        os.environ.pop("SPOTHIVE_RATE_LIMITS_ENABLED", None)
    else:
        os.environ["SPOTHIVE_RATE_LIMITS_ENABLED"] = saved
