"""The hub's own signing key: impersonation tokens (ADR 0008)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct


class Signing(Construct):
    """An asymmetric RSA 2048 KMS key (SIGN_VERIFY): the private half never leaves KMS.

    Asymmetric keys cannot rotate automatically; a new key (and a new setting) replaces it, and tokens
    live at most an hour, so a swap invalidates nothing for long.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.impersonation_key = kms.Key(
            self,
            "ImpersonationKey",
            description="SpotHive: signs short-lived impersonation tokens (RS256)",
            key_spec=kms.KeySpec.RSA_2048,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=RemovalPolicy.RETAIN,
        )
