"""Runtime configuration from ``SPOTHIVE_*`` environment variables, one small model per concern.

A function reads only the models its wiring uses, so it needs only their variables. Settings that have
no safe production default (the Redis URL, the Cognito ids, the hub account, bucket and state machine
names) are required: a missing one fails at cold start naming the variable (``SPOTHIVE_REDIS_URL``).
The local stack and the tests set every value explicitly.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from spothive.domain.errors import ConfigurationError

S = TypeVar("S", bound=BaseSettings)
_PREFIX = "SPOTHIVE_"


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=_PREFIX, extra="ignore", frozen=True)


class CoreSettings(_Base):
    """What every function needs: where the hub's tables live."""

    region: str = "us-east-1"
    table_prefix: str = "spothive"
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")


class RedisSettings(_Base):
    """The cache (ElastiCache Valkey on AWS): risk flags, hot prices, heartbeats, SAFE_MODE, limits."""

    redis_url: str


class SafetySettings(_Base):
    """Global SAFE_MODE (every mutation an audited dry run) and the per-caller rate limits."""

    safe_mode: bool = False
    rate_limits_enabled: bool = True


class CognitoSettings(_Base):
    """The user pool and app client whose ID tokens the API accepts."""

    cognito_user_pool_id: str
    cognito_client_id: str
    #: Base URL of the JWKS issuer; empty means the real Cognito issuer for the pool.
    cognito_issuer: str = ""
    #: Where the signing keys are served; empty means ``<issuer>/.well-known/jwks.json``, or the
    #: emulator's ``<AWS_ENDPOINT_URL>/<pool-id>/.well-known/jwks.json`` when an endpoint is set.
    cognito_jwks_url: str = ""
    region: str = "us-east-1"
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")

    @property
    def issuer(self) -> str:
        """The ``iss`` every accepted token must carry."""
        if self.cognito_issuer:
            return self.cognito_issuer.rstrip("/")
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """The URL of the JSON Web Key Set that signs accepted tokens."""
        if self.cognito_jwks_url:
            return self.cognito_jwks_url
        if self.aws_endpoint_url:
            return f"{self.aws_endpoint_url.rstrip('/')}/{self.cognito_user_pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"


class ScanSettings(_Base):
    """Which regions discovery scans in every linked account, and the role it assumes there."""

    scan_regions: str = "us-east-1"
    customer_role_name: str = "SpotHiveAccess"

    @property
    def regions(self) -> list[str]:
        """The regions discovery scans in every linked account."""
        return [r.strip() for r in self.scan_regions.split(",") if r.strip()]


class LinkSettings(_Base):
    """Linking an account: the hub account customer roles trust and where the role template lives."""

    hub_account_id: str = Field(pattern=r"^\d{12}$")
    customer_template_url: str
    #: The discovery worker to invoke after a verify; empty runs discovery inline (local stack only).
    discovery_function_name: str = ""


class AutomationSettings(_Base):
    """The automation worker (WORK-OPT-01) discovery starts after each scan; empty starts none (the hourly
    schedule still runs it)."""

    optimize_function_name: str = ""


class SnapshotSettings(_Base):
    """Cluster snapshots: the data bucket (empty keeps them in process memory, local only)."""

    data_bucket: str = ""


class ExportSettings(_Base):
    """Audit exports: presigned S3 links, or files under ``data_dir`` when no bucket is set (local)."""

    exports_bucket: str = ""
    data_dir: str = ".spothive/exports"


class CatalogSettings(_Base):
    """The instance catalog and where prices come from."""

    #: Instance catalog CSV (the format of ec2_instance_types_karpenter.csv); empty uses the built-in one.
    catalog_csv: str = ""
    #: "aws" (Pricing + EC2 APIs) or "snapshot" (built-in, offline).
    price_source: str = Field(default="aws", pattern=r"^(aws|snapshot)$")


class HiveSettings(_Base):
    """How long a hive-mind interruption flag lives and the window interruptions are counted over."""

    risk_flag_ttl_seconds: int = Field(default=1800, ge=60)
    risk_window_seconds: int = Field(default=1800, ge=60)


class ModelSettings(_Base):
    """The risk-model registry: bucket, validator limits and promotion threshold."""

    model_bucket: str
    validator_cpu_seconds: int = 30
    validator_memory_mib: int = 2048
    validator_timeout_seconds: float = 60.0
    model_max_upload_mib: int = 50
    #: Minimum AUC on the held-out set for a model to become a candidate.
    model_min_auc: float = 0.75


class AdvisorSettings(_Base):
    """The Spot Advisor feed: a URL, or a local file for offline runs."""

    advisor_feed: str = "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json"
    #: The model endpoint that recalibrates the served model after an ingest (async invoke); empty: in process.
    model_function_name: str = ""


class MarketSettings(_Base):
    """Market observations recorded at each Advisor ingest for the next model; no bucket turns them off."""

    data_bucket: str = ""
    #: Regions whose placement scores and Spot prices are recorded (JSON list in the variable).
    market_regions: tuple[str, ...] = ("us-east-1",)
    #: One placement-score configuration per family (its sizes in the catalog); a fixed set on purpose.
    placement_families: tuple[str, ...] = ("m5", "c5", "r5", "m6i", "c6i", "r6i", "m7g", "c7g")
    placement_target_capacity: int = Field(default=10, ge=1, le=1000)
    price_window_hours: int = Field(default=24, ge=1, le=168)


class AgentLinkSettings(_Base):
    """The public API URL and the agent chart written into the agent's install command."""

    api_base_url: str
    #: The chart ``helm upgrade --install`` installs: the published OCI reference, or a chart path locally.
    agent_chart: str = "oci://public.ecr.aws/spothive/charts/spothive-agent"


class WorkflowSettings(_Base):
    """The state machines the API starts."""

    optimization_state_machine_arn: str


class LabSettings(_Base):
    """The live-switch experiment's state machine."""

    live_switch_state_machine_arn: str = ""
    #: Seconds between the live switch's looks at a stop, detach, boot or health check in progress.
    live_switch_poll_seconds: int = Field(default=5, ge=0, le=60)



class ImpersonationSettings(_Base):
    """The hub's asymmetric KMS key that signs impersonation tokens (moto's KMS in the local stack)."""

    impersonation_key_id: str
    region: str = "us-east-1"
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")



class HealthSettings(_Base):
    """Where worker health is read: ``aws`` (CloudWatch, Step Functions, SQS) or ``local`` (the local
    runtime's counters); the deployed names of the watched functions and state machines (JSON objects)."""

    run_telemetry: str = Field(default="aws", pattern=r"^(aws|local)$")
    health_function_names: dict[str, str] = Field(default_factory=dict)
    health_state_machine_arns: dict[str, str] = Field(default_factory=dict)
    #: Worker name → URL of its dead-letter queue (JSON object); its depth is the worker's backlog.
    health_dead_letter_urls: dict[str, str] = Field(default_factory=dict)
    region: str = "us-east-1"
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")


class StreamSettings(_Base):
    """Live streams: the WebSocket stage messages are pushed to on AWS (empty locally, where FastAPI holds the
    sockets), and how long a local socket waits for news before it looks again."""

    websocket_endpoint: str = ""
    stream_poll_ms: int = Field(default=1000, ge=50, le=1500)


class ReportSettings(_Base):
    """The weekly report: the sender (an SES identity on AWS), and the mailbox folder used when there is no
    sender (the local stack); the console's address for links in the mail."""

    report_sender: str = ""
    mailbox_dir: str = ".spothive/mailbox"
    console_url: str = "http://127.0.0.1:8000"


_cached: dict[type[BaseSettings], BaseSettings] = {}


def load(model: type[S]) -> S:
    """The process's ``model`` from the environment (cached); ``ConfigurationError`` names a missing or
    invalid variable."""
    found = _cached.get(model)
    if found is None:
        try:
            found = model()
        except ValidationError as exc:
            names = ", ".join(_variable(err["loc"]) for err in exc.errors())
            raise ConfigurationError(f"{model.__name__}: missing or invalid setting {names}") from exc
        _cached[model] = found
    return found  # type: ignore[return-value]


def _variable(loc: tuple[int | str, ...]) -> str:
    name = str(loc[0]) if loc else "?"
    return "AWS_ENDPOINT_URL" if name == "AWS_ENDPOINT_URL" else f"{_PREFIX}{name.upper()}"


def clear() -> None:
    """Forget cached settings (after the environment changed)."""
    _cached.clear()


class ExecutionSettings(_Base):
    """How long a wave of the optimization workflow waits for Ready replacements and for drains."""

    execution_ready_timeout_seconds: int = 900
    execution_drain_timeout_seconds: int = 900
