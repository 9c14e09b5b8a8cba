"""Time, injected so tests pin it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Injected time, so that tests pin it."""

    def now(self) -> datetime: ...
