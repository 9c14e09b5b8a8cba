"""Build the CDK app: the hub stack, the customer stack and the cdk-nag checks."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, BootstraplessSynthesizer, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.constants import (
    CTX_ALARM_EMAIL,
    CTX_ALLOWED_ORIGINS,
    CTX_AZS,
    CTX_CUSTOMER_TEMPLATE_URL,
    CTX_REGION,
    CTX_TABLE_PREFIX,
    CUSTOMER_STACK,
    DEFAULT_TABLE_PREFIX,
    HUB_STACK,
    PROJECT_ROOT,
)
from infra.stacks.customer_stack import CustomerStack
from infra.stacks.hub_stack import HubStack


@dataclass(frozen=True)
class SpotHiveApp:
    """The app and its two stacks."""

    app: App
    hub: HubStack
    customer: CustomerStack


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` block of cdk.json: the defaults every synth starts from."""
    with (PROJECT_ROOT / "cdk.json").open(encoding="utf-8") as handle:
        return dict(json.load(handle).get("context", {}))


def build_app(outdir: str | None = None, context: dict[str, Any] | None = None) -> SpotHiveApp:
    """The whole app. CLI context (``-c``) overrides cdk.json, which ``context`` overrides in turn."""
    app = App(outdir=outdir, context={**cdk_json_context(), **(context or {})})
    node = app.node
    region = node.try_get_context(CTX_REGION)
    # Account-agnostic: only the region is pinned (the AZ names in context belong to it).
    env = Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region)
    hub = HubStack(
        app,
        HUB_STACK,
        env=env,
        description="SpotHive hub: API, workers, workflows, data and cache",
        table_prefix=node.try_get_context(CTX_TABLE_PREFIX) or DEFAULT_TABLE_PREFIX,
        availability_zones=list(node.try_get_context(CTX_AZS)),
        allowed_origins=list(node.try_get_context(CTX_ALLOWED_ORIGINS)),
        customer_template_url=node.try_get_context(CTX_CUSTOMER_TEMPLATE_URL),
        alarm_email=node.try_get_context(CTX_ALARM_EMAIL) or None,
    )
    customer = CustomerStack(
        app,
        CUSTOMER_STACK,
        synthesizer=BootstraplessSynthesizer(),
        analytics_reporting=False,
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return SpotHiveApp(app=app, hub=hub, customer=customer)
