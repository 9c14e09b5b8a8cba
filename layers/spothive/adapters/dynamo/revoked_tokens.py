"""Signed-out tokens in DynamoDB: the deny-list survives a cache restart (TTL = the token's own expiry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema


class RevokedTokenModel(Model):
    class Meta:
        table_name = "revoked-tokens"

    token_id = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()


models.register(RevokedTokenModel, schema.REVOKED_TOKENS)


class DynamoTokenDenyList:
    """``TokenDenyList`` on the revoked-tokens table; an item past its TTL counts as absent (DynamoDB
    deletes expired items only eventually, and emulators never do)."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def revoke(self, token_id: str, until: datetime) -> None:
        """Remember ``token_id`` until ``until`` (idempotent: a second revoke rewrites the same item)."""
        RevokedTokenModel(token_id, expires_at=until).save()

    def is_revoked(self, token_id: str) -> bool:
        """Whether ``token_id`` was revoked and has not yet expired."""
        try:
            item = RevokedTokenModel.get(token_id, consistent_read=True)
        except RevokedTokenModel.DoesNotExist:
            return False
        return item.expires_at > self._now()
