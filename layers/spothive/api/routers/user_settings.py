"""``/api/auth/me/settings``: the caller's own settings (the weekly report e-mail, on by default)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from spothive.api.deps import CurrentPrincipal
from spothive.ports.reports import ReportRecipients
from spothive.wiring import preferences

router = APIRouter(prefix="/api/auth", tags=["auth"])
Recipients = Annotated[ReportRecipients, Depends(preferences.recipients)]


class UserSettings(BaseModel):
    """What a user may set for themselves."""

    model_config = ConfigDict(extra="forbid")
    weekly_report: bool = Field(description="receive the weekly report e-mail (WORK-RPT-01)")


@router.get("/me/settings", response_model=UserSettings)
def get_settings(principal: CurrentPrincipal, recipients: Recipients) -> UserSettings:
    """The caller's settings."""
    return UserSettings(weekly_report=recipients.weekly_report(principal.user_id))


@router.put("/me/settings", response_model=UserSettings)
def put_settings(body: UserSettings, principal: CurrentPrincipal, recipients: Recipients) -> UserSettings:
    """Change the caller's settings (``{"weekly_report": false}`` opts out of the e-mail)."""
    recipients.set_weekly_report(principal.user_id, body.weekly_report)
    return UserSettings(weekly_report=recipients.weekly_report(principal.user_id))
