"""cdk-nag 3 acknowledgments: every one carries a written reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, *findings: str, reason: str) -> None:
    """Acknowledge ``rule`` on ``scope`` (and its children), one acknowledgment per finding.

    With no ``findings`` the bare rule id is acknowledged; otherwise ``Rule[finding]`` for each.
    """
    ids = [f"{rule}[{finding}]" for finding in findings] or [rule]
    for rule_id in ids:
        Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def arn_finding(resource: IConstruct, suffix: str = "") -> str:
    """The IAM5 finding text cdk-nag reports for ``<LogicalId.Arn><suffix>`` of an L2 or L1 resource."""
    from aws_cdk import CfnElement, Stack

    cfn = resource if isinstance(resource, CfnElement) else resource.node.default_child
    stack = Stack.of(resource)
    return f"Resource::<{stack.resolve(stack.get_logical_id(cfn))}.Arn>{suffix}"  # type: ignore[arg-type]
