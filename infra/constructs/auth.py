"""Cognito user pool and the app client the API uses."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import acknowledge
from spothive.domain.tenancy import CLIENT_READ_ATTRIBUTES, CLIENT_WRITE_ATTRIBUTES


class Auth(Construct):
    """E-mail sign-in, ``org_id``/``role`` custom attributes, strong passwords, threat protection."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            custom_attributes={
                "org_id": cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
                "role": cognito.StringAttribute(min_len=1, max_len=32, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.client = self.user_pool.add_client(
            "ApiClient",
            auth_flows=cognito.AuthFlow(admin_user_password=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            read_attributes=_client_attributes(CLIENT_READ_ATTRIBUTES),
            write_attributes=_client_attributes(CLIENT_WRITE_ATTRIBUTES),
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            reason="MFA is optional (TOTP) so API sign-up stays one step; threat protection runs in "
            "enforced mode and admins are expected to enrol TOTP.",
        )


def _client_attributes(names: tuple[str, ...]) -> cognito.ClientAttributes:
    """Cognito client attributes for ``names`` (standard ones by their OIDC name, ``custom:*`` as custom)."""
    standard = {"email": "email", "email_verified": "email_verified", "name": "fullname"}
    attributes = cognito.ClientAttributes().with_standard_attributes(
        **{standard[n]: True for n in names if not n.startswith("custom:")}
    )
    custom = [n.removeprefix("custom:") for n in names if n.startswith("custom:")]
    return attributes.with_custom_attributes(*custom) if custom else attributes
