"""Validating an uploaded cluster snapshot at the door: its JSON Schema (and the policy it carries), then the
semantic checks of ``domain.snapshot_checks`` against the catalog. The first problem is a 422 naming the
field; nothing is stored."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from fastapi import Depends, Request

from spothive.domain.errors import InvalidInput
from spothive.domain.snapshot_checks import MAX_BODY_BYTES, snapshot_problems
from spothive.schemas import validate
from spothive.wiring import pricing


def known_instance_types() -> Collection[str]:
    """The instance types of the hub's catalog (a snapshot naming another is refused)."""
    return pricing.catalogs().snapshot.types.keys()


KnownTypes = Annotated[Collection[str], Depends(known_instance_types)]


def refuse_oversized(request: Request) -> None:
    """413-sized bodies are refused before they are read (the cap is documented in docs/formats.md)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise InvalidInput(f"a snapshot may be at most {MAX_BODY_BYTES // (1024 * 1024)} MiB", field="body")


def checked_snapshot(body: Any, known_types: Collection[str]) -> dict[str, Any]:
    """The snapshot when it is schema-valid and sound; ``InvalidInput`` naming the first bad field otherwise."""
    errors = validate(body, "snapshot")
    if not errors and isinstance(body.get("policy"), dict):
        errors = [type(e)(f"$.policy{e.path.removeprefix('$')}", e.message) for e in validate(body["policy"], "policy")]
    if errors:
        first = errors[0]
        raise InvalidInput(f"{first.field}: {first.message}", field=first.field)
    problems = snapshot_problems(body, known_types)
    if problems:
        raise InvalidInput(f"{problems[0].field}: {problems[0].message}", field=problems[0].field)
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


SizeCapped = Depends(refuse_oversized)
