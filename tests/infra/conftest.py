"""Synthesize the SpotHive CDK app once per session and share the templates."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")


@dataclass(frozen=True)
class Synth:
    """The built app, its output folder and both templates as plain dicts."""

    built: Any
    outdir: Path
    hub: dict[str, Any]
    customer: dict[str, Any]
    seconds: float

    def logical_id(self, construct: Any) -> str:
        """The logical id CDK gave ``construct`` (an L2 or L1) in the hub stack."""
        from aws_cdk import CfnElement, Stack

        cfn = construct if isinstance(construct, CfnElement) else construct.node.default_child
        stack = Stack.of(construct)
        return stack.resolve(stack.get_logical_id(cfn))


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """One synth (assets not staged, so it stays fast) for every infra test."""
    from infra.application import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    started = time.perf_counter()
    built = build_app(outdir=str(outdir), context={"aws:cdk:disable-asset-staging": True})
    built.app.synth()
    seconds = time.perf_counter() - started
    load = lambda name: json.loads((outdir / f"{name}.template.json").read_text())  # noqa: E731
    return Synth(built, outdir, load(built.hub.stack_name), load(built.customer.stack_name), seconds)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Logical id → resource for every resource of type ``kind``."""
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}
