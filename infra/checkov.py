"""checkov skips in the template: ``Metadata: checkov: skip: [{id, comment}]``, every one with a reason.

Placed beside cdk-nag's acknowledgements; ``tests/infra/test_checkov.py`` scans both synthesized templates
and fails on any finding that is neither fixed nor skipped here.
"""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct

MIN_REASON = 30


def _cfn(scope: IConstruct) -> CfnResource:
    cfn = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to carry a checkov skip")
    return cfn


def skip(scope: IConstruct, check_id: str, *, reason: str) -> None:
    """Skip ``check_id`` on ``scope``'s resource (an L1, or an L2's default child), saying why."""
    if len(reason) < MIN_REASON:
        raise ValueError(f"{check_id}: a checkov skip needs a reason a reviewer can judge")
    cfn = _cfn(scope)
    existing = cfn.get_metadata("checkov") or {}
    skips = [entry for entry in existing.get("skip", []) if entry["id"] != check_id]
    cfn.add_metadata("checkov", {"skip": [*skips, {"id": check_id, "comment": reason}]})


def skips(scope: IConstruct) -> dict[str, str]:
    """Check id → reason of every skip on ``scope``'s resource."""
    return {entry["id"]: entry["comment"] for entry in (_cfn(scope).get_metadata("checkov") or {}).get("skip", [])}
