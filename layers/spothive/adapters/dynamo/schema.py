"""The DynamoDB tables: one source of truth for names, keys and indexes.

The CDK app creates the tables from these specs, the local stack creates them in moto from the same
specs, and the pynamodb models in ``models.py`` are checked against them by a test. Every access
pattern is a GetItem or a Query on a key listed here (see docs/data-model.md); nothing scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Key:
    """A key attribute: its name and DynamoDB type (``S`` or ``N``)."""

    name: str
    type: str = "S"


@dataclass(frozen=True, slots=True)
class Index:
    """A global secondary index (projection ALL)."""

    name: str
    hash_key: Key
    range_key: Key | None = None


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table: ``suffix`` is appended to the deployment's prefix (``spothive-users``)."""

    suffix: str
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: bool = False
    purpose: str = ""
    attributes: tuple[Key, ...] = field(default=())

    def table_name(self, prefix: str) -> str:
        """The physical table name for a deployment prefix."""
        return f"{prefix}-{self.suffix}"

    def key_attributes(self) -> list[Key]:
        """Every attribute that appears in a key of the table or of an index, once."""
        seen: dict[str, Key] = {}
        for key in (self.hash_key, self.range_key):
            if key:
                seen[key.name] = key
        for index in self.indexes:
            for key in (index.hash_key, index.range_key):
                if key:
                    seen.setdefault(key.name, key)
        return list(seen.values())


USERS = TableSpec(
    "users", Key("user_id"), indexes=(Index("by_org", Key("org_id"), Key("user_id")),),
    purpose="one item per user, keyed by the immutable Cognito sub; by_org lists an org's weekly report recipients",
)
ORGS = TableSpec(
    "orgs",
    Key("org_id"),
    indexes=(Index("by_listing", Key("listing"), Key("name_key")),),
    purpose="tenants (organisations); by_listing lists client orgs by name for platform owners (sparse: "
    "the platform org has no listing attribute)",
)
ACCOUNTS = TableSpec(
    "accounts",
    Key("org_id"),
    Key("account_id"),
    indexes=(Index("by_status", Key("status"), Key("account_id")),),
    purpose="linked AWS accounts; by_status feeds the discovery worker",
)
CLUSTERS = TableSpec(
    "clusters",
    Key("org_id"),
    Key("cluster_id"),
    indexes=(
        Index("by_account", Key("account_id"), Key("cluster_id")),
        Index("by_agent_token", Key("agent_token_hash")),
    ),
    purpose="EKS clusters found by discovery",
)
INSTANCES = TableSpec(
    "instances",
    Key("org_id"),
    Key("instance_key"),
    indexes=(
        Index("by_cluster", Key("cluster_id"), Key("instance_key")),
        Index("by_account", Key("account_id"), Key("instance_key")),
    ),
    purpose="EC2 instances found by discovery (instance_key = account#region#instance-id)",
)
SCANS = TableSpec(
    "scans",
    Key("account_id"),
    Key("started_at"),
    ttl_attribute="expires_at",
    purpose="one record per discovery scan of an account",
)
NODE_TEMPLATES = TableSpec("node-templates", Key("org_id"), Key("template_id"), purpose="node templates")
CLUSTER_POLICIES = TableSpec(
    "cluster-policies", Key("org_id"), Key("cluster_id"), stream=True,
    purpose="one versioned optimization policy document per cluster; the stream feeds agents",
)
HIBERNATION = TableSpec(
    "hibernation-schedules",
    Key("org_id"),
    Key("cluster_id"),
    indexes=(Index("by_enabled", Key("enabled_shard"), Key("schedule_key")),),
    purpose="weekly sleep/wake matrices; by_enabled (sparse) feeds the 1-minute worker",
)
AUDIT = TableSpec(
    "audit-logs",
    Key("org_id"),
    Key("seq", "N"),
    purpose="append-only, hash-chained audit ledger per tenant",
)
JOBS = TableSpec(
    "jobs", Key("org_id"), Key("job_id"), ttl_attribute="expires_at",
    indexes=(Index("by_cluster", Key("cluster_key"), Key("created_at")),),
    purpose="optimization jobs; by_cluster (org#cluster, newest first) tells automation what ran lately",
)
ML_MODELS = TableSpec(
    "ml-models",
    Key("model_id"),
    indexes=(Index("by_status", Key("status"), Key("version")),),
    purpose="risk model registry (candidate, production, rejected, retired)",
)
LAB_EXPERIMENTS = TableSpec(
    "lab-experiments",
    Key("experiment_id"),
    indexes=(Index("by_model", Key("model_id"), Key("created_at")),),
    purpose="live-switch and parallel model experiments",
)
INTERRUPTION_RATES = TableSpec(
    "interruption-rates",
    Key("pool"),
    Key("observed_at"),
    purpose="Spot Advisor buckets per region#os#type over time",
)
AGENT_ACTIONS = TableSpec(
    "agent-actions",
    Key("cluster_key"),
    Key("action_id"),
    indexes=(
        Index("by_queued", Key("queued_cluster"), Key("queued_at")),
        Index("by_action", Key("action_id")),
    ),
    ttl_attribute="expires_at",
    purpose="actions for each cluster's agent (cluster_key = org#cluster); by_queued (sparse) is the long-poll, "
            "by_action tells another cluster's action (403) from an unknown one (404)",
)

REVOKED_TOKENS = TableSpec(
    "revoked-tokens", Key("token_id"), ttl_attribute="expires_at",
    purpose="signed-out ID tokens until they would expire (the deny-list's source of truth; Redis caches it)",
)

UTILIZATION = TableSpec(
    "utilization", Key("org_id"), Key("instance_key"),
    purpose="14-day CPU histograms from CloudWatch per instance (instance_key as in instances), for right-sizing",
)
STREAM_CONNECTIONS = TableSpec(
    "stream-connections", Key("connection_id"),
    indexes=(Index("by_channel", Key("channel"), Key("connection_id")),),
    ttl_attribute="expires_at",
    purpose="open API Gateway WebSocket connections and the stream each follows; by_channel fans messages out",
)

ALL_TABLES: tuple[TableSpec, ...] = (
    USERS, ORGS, ACCOUNTS, CLUSTERS, INSTANCES, SCANS, NODE_TEMPLATES, CLUSTER_POLICIES,
    HIBERNATION, AUDIT, JOBS, ML_MODELS, LAB_EXPERIMENTS, INTERRUPTION_RATES, REVOKED_TOKENS,
    AGENT_ACTIONS, UTILIZATION,
    STREAM_CONNECTIONS,
)
