"""Users' own settings (the weekly report opt-out): kept apart from ``reports`` so api-auth stays light."""

from __future__ import annotations

from spothive.adapters.dynamo.report_recipients import DynamoReportRecipients
from spothive.wiring import kernel
from spothive.wiring.registry import component


@component
def recipients() -> DynamoReportRecipients:
    """Users by org and their report setting."""
    kernel.core()  # binds the users table
    return DynamoReportRecipients()
