"""``/api/connect``: link a customer AWS account and verify its role."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.domain.tenancy import Account
from spothive.services.connect import ConnectService
from spothive.wiring import accounts

router = APIRouter(prefix="/api/connect", tags=["connect"])
Connect = Annotated[ConnectService, Depends(accounts.connect)]


class LinkResponse(BaseModel):
    account_id: str
    external_id: str
    cloudformation_url: str
    template_url: str
    role_name: str


class VerifyRequest(BaseModel):
    account_id: str = Field(min_length=1, max_length=64)
    role_arn: str = Field(min_length=20, max_length=2048, examples=["arn:aws:iam::123456789012:role/SpotHiveAccess"])


class AccountResponse(BaseModel):
    account_id: str
    status: str
    message: str
    aws_account_id: str | None
    role_arn: str | None
    last_scan_at: datetime | None


def account_response(account: Account) -> AccountResponse:
    """The public view of an account."""
    message = account.status_reason or {
        "pending": "waiting for the role to be verified",
        "scanning": "role verified; discovery is running",
        "active": "linked; discovery runs every 5 minutes",
        "failed": "the role could not be used",
    }[account.status.value]
    return AccountResponse(
        account_id=account.account_id, status=account.status.value, message=message,
        aws_account_id=account.aws_account_id, role_arn=account.role_arn, last_scan_at=account.last_scan_at,
    )


@router.post("/link", response_model=LinkResponse)
def link(principal: CurrentPrincipal, connect: Connect) -> LinkResponse:
    """Issue a unique External ID and the CloudFormation quick-create URL for the customer role."""
    result = connect.link(principal)
    return LinkResponse(**{f: getattr(result, f) for f in LinkResponse.model_fields})


@router.post("/verify", response_model=AccountResponse)
def verify(body: VerifyRequest, principal: CurrentPrincipal, connect: Connect) -> AccountResponse:
    """Assume the role with the External ID, probe its permissions, then start discovery."""
    return account_response(connect.verify(principal, body.account_id, body.role_arn))


@router.get("/accounts", response_model=list[AccountResponse])
def accounts(principal: CurrentPrincipal, connect: Connect) -> list[AccountResponse]:
    """The caller's linked accounts and their status."""
    return [account_response(a) for a in connect.accounts(principal)]


@router.get("/template", response_class=Response, include_in_schema=True)
def template() -> Response:
    """The CloudFormation template a customer deploys (the same one the CDK app synthesizes)."""
    body = resources.files("spothive.data").joinpath("customer-role.template.json").read_text(encoding="utf-8")
    return Response(body, media_type="application/json")
