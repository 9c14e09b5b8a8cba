"""Policy change events for cluster agents in Redis, and the SAFE_MODE flag.

Each change is appended to the stream ``policy:changes:{org_id}:{cluster_id}`` (``XADD … MAXLEN ~ 1000``), so an
agent that reconnects can read what it missed from its last entry id, and published on the channel of
the same name for agents listening live. This push is best effort: on AWS the cluster-policies table's
DynamoDB stream is the durable path, and an agent can always GET the current document and its version.
"""

from __future__ import annotations

import json

import redis

from spothive.domain.audit import canonical_json
from spothive.domain.policies import PolicyChange

STREAM_MAXLEN = 1000


def channel(org_id: str, cluster_id: str) -> str:
    """The stream key and pub/sub channel of a cluster's policy changes."""
    return f"policy:changes:{org_id}:{cluster_id}"


class RedisPolicyEventPublisher:
    """``PolicyEventPublisher`` on a Redis stream plus pub/sub."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def publish(self, change: PolicyChange) -> None:
        key = channel(change.org_id, change.cluster_id)
        fields = {
            "org_id": change.org_id,
            "cluster_id": change.cluster_id,
            "version": str(change.version),
            "sections": ",".join(change.sections),
            "changed_at": change.changed_at.isoformat(),
            "changed_by": change.changed_by,
            "document": canonical_json(change.document),
        }
        pipe = self._redis.pipeline(transaction=False)
        pipe.xadd(key, fields, maxlen=STREAM_MAXLEN, approximate=True)  # type: ignore[arg-type]
        pipe.publish(key, json.dumps({k: v for k, v in fields.items() if k != "document"}))
        pipe.execute()


