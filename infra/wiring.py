"""Which function gets which setting and which bucket access, beside ``infra.access`` (tables).

Settings every function shares (region, table prefix, Cognito ids, hub account, customer template
and role name) are set on all of them; the Redis URL on ``needs_redis`` functions. The rest is here.
"""

from __future__ import annotations

#: ``SPOTHIVE_*`` variable → functions that receive it (values come from the hub stack).
FUNCTION_ENV: dict[str, tuple[str, ...]] = {
    # snapshots; an empty value would keep them in process memory
    "SPOTHIVE_DATA_BUCKET": ("api-clusters", "opt-detect"),
    # audit exports; an empty value would write under SPOTHIVE_DATA_DIR (read-only on Lambda).
    # api-clusters builds the audit service for the activity feed and never exports.
    "SPOTHIVE_EXPORTS_BUCKET": ("api-audit", "api-clusters"),
    "SPOTHIVE_MODEL_BUCKET": ("api-admin", "model-endpoint", "opt-risk"),
    "SPOTHIVE_API_BASE_URL": ("api-clusters",),
    "SPOTHIVE_DISCOVERY_FUNCTION_NAME": ("api-connect",),
    "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": ("api-clusters",),
    "SPOTHIVE_LIVE_SWITCH_STATE_MACHINE_ARN": ("api-admin",),
    "SPOTHIVE_PRICE_SOURCE": ("worker-prices",),
    "SPOTHIVE_VALIDATOR_TIMEOUT_SECONDS": ("api-admin",),
}

#: Data bucket: read and write cluster snapshots (``snapshots/*``; agents upload through api-clusters).
SNAPSHOT_USERS = ("api-clusters",)
#: Data bucket: read cluster snapshots (the optimization's detect step plans from the latest one).
SNAPSHOT_READERS = ("opt-detect",)
#: Data bucket: put audit exports and sign GET links for them (``audit-exports/*``).
EXPORT_USERS = ("api-audit",)
#: Model bucket: upload, read and delete model artifacts (``models/*``).
MODEL_WRITERS = ("api-admin",)
#: Model bucket: read artifacts (the endpoint and opt-risk load announced models in process).
MODEL_READERS = ("model-endpoint", "opt-risk")
#: Settings with no default that is safe on Lambda: a function whose code reads one must have it set.
REQUIRED_SETTINGS = frozenset({
    "region", "table_prefix", "redis_url", "model_bucket", "data_bucket", "exports_bucket",
    "cognito_user_pool_id", "cognito_client_id", "hub_account_id", "customer_template_url",
    "customer_role_name", "discovery_function_name", "api_base_url", "price_source",
    "optimization_state_machine_arn", "live_switch_state_machine_arn",
})
