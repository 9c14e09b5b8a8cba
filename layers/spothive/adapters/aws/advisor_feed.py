"""The Spot Advisor feed: the public S3 URL, or a local file (``SPOTHIVE_ADVISOR_FEED``) for offline runs."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from spothive.domain.errors import DependencyFailed

MAX_BYTES = 64 * 1024 * 1024
TIMEOUT_S = 20


class AdvisorFeed:
    """``AdvisorFeedSource`` for an ``https://`` URL or a file path."""

    def __init__(self, location: str) -> None:
        self._location = location

    def fetch(self) -> bytes:
        location = self._location.strip()
        if not location:
            raise DependencyFailed("no Spot Advisor feed configured (SPOTHIVE_ADVISOR_FEED)")
        if location.startswith("https://"):
            try:
                with urllib.request.urlopen(location, timeout=TIMEOUT_S) as response:  # noqa: S310 (https only)
                    data: bytes = response.read(MAX_BYTES + 1)
            except OSError as exc:
                raise DependencyFailed(f"Spot Advisor feed unreachable at {location}: {exc}") from exc
        else:
            path = Path(location.removeprefix("file://"))
            if not path.is_file():
                raise DependencyFailed(f"Spot Advisor feed file not found: {path}")
            data = path.read_bytes()[: MAX_BYTES + 1]
        if len(data) > MAX_BYTES:
            raise DependencyFailed(f"Spot Advisor feed larger than {MAX_BYTES // (1024 * 1024)} MiB")
        return data
