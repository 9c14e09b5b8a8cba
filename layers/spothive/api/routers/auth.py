"""``/api/auth``: sign-up, token, logout, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from spothive.api.deps import ClientRateLimited, CurrentPrincipal
from spothive.services.auth import AuthService
from spothive.wiring import identity

router = APIRouter(prefix="/api/auth", tags=["auth"])
Auth = Annotated[AuthService, Depends(identity.auth)]


class SignupRequest(BaseModel):
    org_name: str = Field(min_length=1, max_length=120, examples=["Acme Corp"])
    email: str = Field(min_length=3, max_length=254, examples=["ops@acme.example"])
    password: str = Field(min_length=12, max_length=256)


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class AuthResponse(BaseModel):
    user_id: str
    org_id: str
    account_id: str
    token: str
    expires_in: int


class TokenResponse(BaseModel):
    jwt_token: str
    token_type: str = "Bearer"
    expires_in: int
    role: str
    refresh_token: str | None = None


class UserContext(BaseModel):
    user_id: str
    email: str
    org_id: str
    org_name: str
    role: str
    account_statuses: list[str]
    redirect_path: str


class SuccessResponse(BaseModel):
    success: bool = True


@router.post(
    "/signup", status_code=status.HTTP_201_CREATED, response_model=AuthResponse, dependencies=[ClientRateLimited]
)
def signup(body: SignupRequest, auth: Auth) -> AuthResponse:
    """Create the user, the org and a placeholder account atomically; the same e-mail again is 409."""
    result = auth.signup(body.org_name, body.email, body.password)
    return AuthResponse(
        user_id=result.user_id, org_id=result.org_id, account_id=result.account_id,
        token=result.tokens.id_token, expires_in=result.tokens.expires_in,
    )


@router.post("/token", response_model=TokenResponse, dependencies=[ClientRateLimited])
def token(body: LoginRequest, auth: Auth) -> TokenResponse:
    """Exchange e-mail and password for a Cognito ID token."""
    tokens, role = auth.token(body.email, body.password)
    return TokenResponse(
        jwt_token=tokens.id_token, expires_in=tokens.expires_in, role=role.value, refresh_token=tokens.refresh_token
    )


@router.post("/logout", response_model=SuccessResponse)
def logout(principal: CurrentPrincipal, auth: Auth) -> SuccessResponse:
    """Deny-list the caller's token until it expires."""
    auth.logout(principal)
    return SuccessResponse()


@router.get("/me", response_model=UserContext)
def me(principal: CurrentPrincipal, auth: Auth) -> UserContext:
    """The caller and where the app should take them (pending → /onboarding, active → /dashboard)."""
    result = auth.me(principal)
    return UserContext(
        user_id=principal.user_id, email=principal.email, org_id=principal.org_id, org_name=result.org_name,
        role=principal.role.value, account_statuses=[s.value for s in result.account_statuses],
        redirect_path=result.redirect_path,
    )
