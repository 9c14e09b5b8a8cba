"""Kubernetes label selectors, node selector terms and tolerations, evaluated on plain JSON."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def label_selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """A ``metav1.LabelSelector`` (matchLabels + matchExpressions) against labels; an empty selector matches all."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    return all(_expression(expr, labels) for expr in selector.get("matchExpressions") or [])


def _expression(expr: Obj, labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
    present = key in labels
    if op == "In":
        return present and labels[key] in values
    if op == "NotIn":
        return not present or labels[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and values:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_selector_terms_match(terms: list[Obj], node_labels: dict[str, str], node_name: str) -> bool:
    """Required node affinity: any term matches when all its expressions and fields match."""
    if not terms:
        return True
    for term in terms:
        exprs = term.get("matchExpressions") or []
        fields = term.get("matchFields") or []
        if not exprs and not fields:
            continue
        if all(_expression(e, node_labels) for e in exprs) and all(
            _expression(f, {"metadata.name": node_name}) for f in fields
        ):
            return True
    return False


def required_terms(pod_spec: Obj) -> list[Obj]:
    """The pod's ``requiredDuringSchedulingIgnoredDuringExecution`` node selector terms."""
    affinity = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    return list(required.get("nodeSelectorTerms") or [])


def tolerates(tolerations: list[Obj], taint: Obj) -> bool:
    """Whether any toleration tolerates the taint (key/operator/value/effect as the scheduler reads them)."""
    for tol in tolerations:
        effect = tol.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        op = tol.get("operator") or "Equal"
        key = tol.get("key") or ""
        if op == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def untolerated_taints(tolerations: list[Obj], taints: list[Obj]) -> list[Obj]:
    """The node's NoSchedule/NoExecute taints the pod does not tolerate."""
    return [t for t in taints if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t)]
