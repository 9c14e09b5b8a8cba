"""Amazon Cognito as the user directory (moto's Cognito locally)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client
from spothive.domain.errors import Conflict, InvalidInput, Unauthorized
from spothive.domain.identity import TokenSet
from spothive.domain.tenancy import Role


class CognitoDirectory:
    """Creates users with a permanent password and signs them in with ADMIN_USER_PASSWORD_AUTH."""

    def __init__(self, user_pool_id: str, client_id: str, region: str) -> None:
        self._pool = user_pool_id
        self._client_id = client_id
        self._idp: Any = client("cognito-idp", region)

    def create_user(self, email: str, password: str, *, org_id: str, role: Role) -> str:
        """Create the directory user (username = e-mail) without an invitation; returns its ``sub``."""
        try:
            created = self._idp.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:org_id", "Value": org_id},
                    {"Name": "custom:role", "Value": role.value},
                ],
            )
            try:
                self._idp.admin_set_user_password(
                    UserPoolId=self._pool, Username=email, Password=password, Permanent=True
                )
            except ClientError:
                self.delete_user(email)  # a refused password must not leave a user without one
                raise
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "UsernameExistsException":
                raise Conflict("an account with this email already exists", field="email") from exc
            if code in ("InvalidPasswordException", "InvalidParameterException"):
                raise InvalidInput(exc.response["Error"]["Message"], field="password") from exc
            raise
        attributes = {a["Name"]: a["Value"] for a in created["User"].get("Attributes", [])}
        return str(attributes["sub"])

    def delete_user(self, email: str) -> None:
        """Remove the directory user (compensation); absent users are fine."""
        try:
            self._idp.admin_delete_user(UserPoolId=self._pool, Username=email)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "UserNotFoundException":
                raise

    def sign_out(self, email: str) -> None:
        """Global sign-out: every refresh token of the user is revoked (Cognito ``AdminUserGlobalSignOut``)."""
        self._idp.admin_user_global_sign_out(UserPoolId=self._pool, Username=email)

    def authenticate(self, email: str, password: str) -> TokenSet:
        """Sign in; any refusal is the same ``Unauthorized``."""
        try:
            result = self._idp.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NotAuthorizedException", "UserNotFoundException"):
                raise Unauthorized("email or password is wrong") from exc
            raise
        auth = result["AuthenticationResult"]
        return TokenSet(
            id_token=auth["IdToken"], access_token=auth["AccessToken"],
            refresh_token=auth.get("RefreshToken"), expires_in=int(auth.get("ExpiresIn", 3600)),
        )
