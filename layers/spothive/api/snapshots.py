"""Validating an uploaded cluster snapshot against its JSON Schema (422 naming the first bad field)."""

from __future__ import annotations

from typing import Any

from spothive.domain.errors import InvalidInput
from spothive.schemas import validate


def checked_snapshot(body: Any) -> dict[str, Any]:
    """The snapshot when it matches ``snapshot.schema.json``; ``InvalidInput`` otherwise."""
    errors = validate(body, "snapshot")
    if errors:
        first = errors[0]
        raise InvalidInput(f"{first.field}: {first.message}", field=first.field)
    document: dict[str, Any] = body
    return document


def checked_body(body: Any, schema: str) -> dict[str, Any]:
    """``body`` when it matches schema ``schema`` (``agent-usage``, ``agent-result``, …); ``InvalidInput`` otherwise."""
    errors = validate(body, schema)
    if errors:
        first = errors[0]
        raise InvalidInput(f"{first.field}: {first.message}", field=first.field)
    document: dict[str, Any] = body
    return document
