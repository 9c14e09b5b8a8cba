"""JWTs signed by an asymmetric KMS key (RSA 2048, RS256): the private key never leaves KMS.

Signing calls ``kms:Sign``; verifying fetches the public key once (``kms:GetPublicKey``) and checks the
signature in process, so a request pays no KMS round trip. Locally the same code signs with a key in
moto's KMS, which produces real RSA signatures.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import jwt
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.serialization import load_der_public_key
from jwt.utils import base64url_encode

from spothive.adapters.aws.clients import client
from spothive.domain.errors import ServiceUnavailable, Unauthorized

ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"


class KmsTokenSigner:
    """``TokenSigner`` on the KMS key ``key_id`` (an id, ARN or alias)."""

    def __init__(self, key_id: str, region: str, endpoint_url: str | None = None, leeway_seconds: int = 5) -> None:
        self._key_id = key_id
        self._kms = client("kms", region, endpoint=endpoint_url)
        self._leeway = leeway_seconds
        self._public: Any = None
        self._lock = threading.Lock()

    def sign(self, claims: dict[str, Any]) -> str:
        """Header and claims as base64url JSON, signed by KMS over their ASCII bytes."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self._key_id}
        signing_input = b".".join(
            base64url_encode(json.dumps(part, separators=(",", ":"), sort_keys=True).encode())
            for part in (header, claims)
        )
        try:
            signature = self._kms.sign(
                KeyId=self._key_id, Message=signing_input, MessageType="RAW", SigningAlgorithm=ALGORITHM,
            )["Signature"]
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable("the hub's signing key is unavailable; try again") from exc
        return (signing_input + b"." + base64url_encode(signature)).decode()

    def verify(self, token: str, *, audience: str, issuer: str) -> dict[str, Any]:
        """The claims, checked against the cached public key (RS256 only; ``exp``, ``aud``, ``iss`` required)."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._public_key(), algorithms=["RS256"], audience=audience, issuer=issuer,
                leeway=self._leeway, options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("impersonation token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid impersonation token: {exc}") from exc
        return claims

    def _public_key(self) -> Any:
        with self._lock:
            if self._public is None:
                try:
                    der = self._kms.get_public_key(KeyId=self._key_id)["PublicKey"]
                except (BotoCoreError, ClientError) as exc:
                    raise Unauthorized("the hub's token verification key is unavailable") from exc
                self._public = load_der_public_key(der)
            return self._public
