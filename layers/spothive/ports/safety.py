"""The SAFE_MODE switch every mutating step consults."""

from __future__ import annotations

from typing import Protocol


class SafeModeFlag(Protocol):
    """The SAFE_MODE switch: while on, every mutating action is an audited dry run.

    It fails safe: when the switch cannot be read, it counts as on.
    """

    def is_on(self) -> bool: ...
