"""Input formats the OpenAPI document promises, enforced as written (pydantic's lax mode is wider)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator


def _iso_8601(value: Any) -> Any:
    """Accept a datetime or an ISO 8601 string only: pydantic would also take ``0.5`` as a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time such as 2026-05-01T10:00:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time such as 2026-05-01T10:00:00Z") from None


#: An ISO 8601 date-time (``format: date-time``); a number or any other string is a 422.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601)]
