"""Grants, settings and prefixes that several manifests share (the reason beside each)."""

from __future__ import annotations

from spothive.topology.specs import Grant, R, Target

_SVC = "spothive.services."
#: Worker health reads the deployed names of the watched functions and state machines (JSON objects)
#: and the workers' failure queue.
_HEALTH_SETTINGS = ("SPOTHIVE_HEALTH_FUNCTION_NAMES", "SPOTHIVE_HEALTH_STATE_MACHINE_ARNS",
                    "SPOTHIVE_HEALTH_DEAD_LETTER_URLS")
#: API functions verify the Cognito token (issuer from the pool id, audience the client id) and look
#: the caller up in ``users`` by the token's subject; a signed-out token is found in ``revoked-tokens``
#: (Redis caches the answer); rate limits live in Redis.
_TOKEN_SETTINGS = ("SPOTHIVE_COGNITO_USER_POOL_ID", "SPOTHIVE_COGNITO_CLIENT_ID", "SPOTHIVE_IMPERSONATION_KEY_ID")
_AUTHENTICATE = f"{_SVC}auth.AuthService.authenticate"
_CALLER = {"users": R, "revoked_tokens": R}
#: A super admin may act inside a client org with a token the hub's KMS key signed (ADR 0008): every
#: API function verifies it with the key's public half (fetched once) and records each such request in
#: the client's ledger.
_VERIFY_IMPERSONATION = Grant(("kms:GetPublicKey",), Target.IMPERSONATION_KEY,
                              reason="impersonation tokens are verified against the hub key's public half")
#: Every plan (projection, preview, execution) obeys the cluster's stored policy and bound template.
_PLAN_POLICY = {"cluster_policies": R, "node_templates": R}
#: Linking probes the role, discovery and hibernation read and scale through it, the live switch
#: launches through it; only roles named SpotHiveAccess* (which demand the tenant's External ID).
_ASSUME = Grant(("sts:AssumeRole",), Target.CUSTOMER_ROLE)
_SNAPSHOTS, _EXPORTS, _MODELS, _USAGE = "snapshots/", "audit-exports/", "models/", "usage/"
_MARKET = "market/"
#: The served model's calibration documents and model cards, and the Advisor transitions they are fitted on.
_CALIBRATION = "calibration/"
#: Publishing to a live stream pushes to the open sockets that follow it (PostToConnection).
_PUSH = Grant(("execute-api:ManageConnections",), Target.WEBSOCKET_API,
              reason="messages are pushed to the sockets that follow the stream")
_PUSH_SETTINGS = ("SPOTHIVE_WEBSOCKET_ENDPOINT",)
