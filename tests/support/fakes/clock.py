"""The one test clock: pinned to an instant, optionally stepping on every read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: The instant every test starts at unless it says otherwise.
NOW = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


class FixedClock:
    """``Clock`` that returns ``value`` (then moves it on by ``step``, zero by default)."""

    def __init__(self, now: datetime = NOW, *, step: timedelta = timedelta(0)) -> None:
        self.value = now
        self.step = step

    def now(self) -> datetime:
        """The pinned instant (advanced by ``step`` after each read)."""
        moment = self.value
        self.value = moment + self.step
        return moment

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by ``delta``."""
        self.value += delta

    def set(self, when: datetime) -> None:
        """Pin the clock to ``when``."""
        self.value = when
