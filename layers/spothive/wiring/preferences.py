"""Users' own settings (the weekly report opt-out): kept apart from ``reports`` so api-auth stays light."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.report_recipients import DynamoReportRecipients


@component
def recipients() -> DynamoReportRecipients:
    """Users by org and their report setting."""
    from spothive.adapters.dynamo.report_recipients import DynamoReportRecipients

    kernel.core()  # binds the users table
    return DynamoReportRecipients()
