"""A logging handler that copies structured records into the platform log stream (``/api/admin/logs``).

Locally it is installed on the ``spothive`` logger of the stack's process; on AWS the same record shape
arrives from CloudWatch Logs through the ``stream-logs`` function. Publishing never raises into the code
that logged, and records logged while publishing (the cache client's own) are dropped, not looped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from spothive.domain.streams import LOG_FIELDS as FIELDS  # Powertools ``extra=`` keys land as attributes


def log_record(record: logging.LogRecord) -> dict[str, Any]:
    """The stream's view of a record: time, level, logger, message and the structured fields."""
    body: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname, "logger": record.name, "message": record.getMessage(),
    }
    for name in FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            body[name] = value if isinstance(value, int | float | bool) else str(value)
    if record.exc_info and record.exc_info[0] is not None:
        body["exception"] = record.exc_info[0].__name__
    return body


class LogStreamHandler(logging.Handler):
    """Sends each record to ``publish`` (``StreamService.log``)."""

    def __init__(self, publish: Callable[[Mapping[str, Any]], object], level: int = logging.INFO) -> None:
        super().__init__(level)
        self._publish = publish
        self._inside = threading.local()
        #: Records that could not be published (the cache down); logging them would loop.
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """How many records the stream missed."""
        return self._dropped

    def emit(self, record: logging.LogRecord) -> None:
        """Publish; a failure is dropped (the log line itself still reaches the other handlers)."""
        if getattr(self._inside, "active", False):
            return
        self._inside.active = True
        try:
            self._publish(log_record(record))
        except Exception:  # the stream is best effort; never fail the caller
            self._dropped += 1
        finally:
            self._inside.active = False
