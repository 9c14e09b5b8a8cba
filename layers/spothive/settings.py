"""Runtime configuration from ``SPOTHIVE_*`` environment variables (one object, read once)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a function or the local stack needs to wire its adapters."""

    model_config = SettingsConfigDict(env_prefix="SPOTHIVE_", extra="ignore")

    region: str = "us-east-1"
    table_prefix: str = "spothive"
    redis_url: str = "redis://127.0.0.1:6379/0"
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    #: Base URL of the JWKS issuer; empty means the real Cognito issuer for the pool.
    cognito_issuer: str = ""
    #: Where the signing keys are served; empty means ``<issuer>/.well-known/jwks.json``, or the
    #: emulator's ``<AWS_ENDPOINT_URL>/<pool-id>/.well-known/jwks.json`` when an endpoint is set.
    cognito_jwks_url: str = ""
    hub_account_id: str = "000000000000"
    customer_template_url: str = "https://spothive-public.s3.amazonaws.com/customer-role.template.json"
    #: S3 bucket of uploaded risk models (the registry keeps their status in ``ml-models``).
    model_bucket: str = "spothive-models"
    #: Bucket for cluster snapshots and audit exports; empty keeps snapshots in process memory.
    data_bucket: str = ""
    #: Bucket for audit exports (presigned links); empty writes exports under ``data_dir``.
    exports_bucket: str = ""
    data_dir: str = ".spothive/exports"
    #: Instance catalog CSV (the format of ec2_instance_types_karpenter.csv); empty uses the built-in one.
    catalog_csv: str = ""
    #: Where the price worker reads prices: "aws" (Pricing + EC2 APIs) or "snapshot" (built-in, offline).
    price_source: str = "aws"
    customer_role_name: str = "SpotHiveAccess"
    scan_regions: str = "us-east-1"
    safe_mode: bool = False
    rate_limits_enabled: bool = True
    risk_flag_ttl_seconds: int = 1800
    #: Sliding window over which the hive mind counts a pool's interruptions.
    risk_window_seconds: int = 1800
    #: Validator limits: CPU seconds, address space (MiB), wall clock (s), upload size (MiB).
    validator_cpu_seconds: int = 30
    validator_memory_mib: int = 2048
    validator_timeout_seconds: float = 60.0
    model_max_upload_mib: int = 50
    #: Minimum AUC on the held-out set for a model to become a candidate.
    model_min_auc: float = 0.75
    #: Spot Advisor feed: a URL, or a local file for offline runs.
    advisor_feed: str = "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json"
    api_base_url: str = "https://api.spothive.io"
    optimization_state_machine_arn: str = ""
    live_switch_state_machine_arn: str = ""
    discovery_function_name: str = ""

    @property
    def regions(self) -> list[str]:
        """The regions discovery scans in every linked account."""
        return [r.strip() for r in self.scan_regions.split(",") if r.strip()]

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings()
