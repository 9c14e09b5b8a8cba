"""The hub's own token signing key (impersonation tokens)."""

from __future__ import annotations

from typing import Any, Protocol


class TokenSigner(Protocol):
    """Signs and verifies the hub's JWTs with a key only the hub holds."""

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWT carrying ``claims``."""
        ...

    def verify(self, token: str, *, audience: str, issuer: str) -> dict[str, Any]:
        """The claims of a token this key signed, unexpired, for ``audience`` from ``issuer``;
        ``Unauthorized`` otherwise."""
        ...
