"""Names and limits of the SpotHive CDK app, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
CORE_PACKAGE_DIR = PROJECT_ROOT / "layers" / "spothive"
MODELS_PACKAGE_DIR = PROJECT_ROOT / "models" / "spothive_models"
BUILD_DIR = PROJECT_ROOT / "build" / "layers"
DEPS_CORE_DIR = BUILD_DIR / "deps-core"
DEPS_ML_DIR = BUILD_DIR / "deps-ml"
CUSTOMER_TEMPLATE_PATH = CORE_PACKAGE_DIR / "data" / "customer-role.template.json"

HUB_STACK = "SpotHiveHub"
CUSTOMER_STACK = "SpotHiveCustomer"

#: Context keys read from cdk.json (or ``-c key=value``).
CTX_REGION = "spothive:region"
CTX_AZS = "spothive:availabilityZones"
CTX_TABLE_PREFIX = "spothive:tablePrefix"
CTX_ALLOWED_ORIGINS = "spothive:allowedOrigins"
CTX_CUSTOMER_TEMPLATE_URL = "spothive:customerTemplateUrl"
CTX_ALARM_EMAIL = "spothive:alarmEmail"
#: The regions discovery scans in every linked account (comma-separated; ``SPOTHIVE_SCAN_REGIONS``).
CTX_SCAN_REGIONS = "spothive:scanRegions"
DEFAULT_SCAN_REGIONS = "us-east-1"

DEFAULT_TABLE_PREFIX = "spothive"
CUSTOMER_ROLE_NAME = "SpotHiveAccess"
#: The hub may assume only roles whose name starts with the customer role name.
CUSTOMER_ROLE_ARN_PATTERN = f"arn:aws:iam::*:role/{CUSTOMER_ROLE_NAME}*"
MANAGED_TAG_KEY = "spothive:managed"
MANAGED_TAG_VALUE = "true"

PYTHON_RUNTIME = "python3.12"
POWERTOOLS_SERVICE_PREFIX = "spothive"
LOG_LEVEL = "INFO"
METRICS_NAMESPACE = "SpotHive"
API_ALIAS = "live"
REDIS_PORTS = (6379, 6380)

#: The validator's wall-clock limit on api-admin, so an upload answers inside API Gateway's 29 s.
API_VALIDATOR_TIMEOUT_S = 25
API_STAGE = "v1"

#: The EC2 Spot signals the hive mind ingests (from the hub account and forwarded by customers).
SPOT_EVENT_SOURCE = "aws.ec2"
SPOT_EVENT_TYPES = ("EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation")
PRICE_SOURCE = "aws"
LOG_RETENTION_DAYS = 30


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A seed rate limit and its API Gateway token-bucket equivalent.

    API Gateway throttles with a steady ``rate`` (requests per second) and a ``burst`` bucket.
    ``requests`` per ``period_s`` becomes rate = requests / period_s and burst = ``burst``.
    """

    requests: int
    period_s: int
    burst: int

    @property
    def rate(self) -> float:
        """Steady-state requests per second, rounded up to 4 decimals so it is never zero."""
        return round(self.requests / self.period_s + 0.00005, 4)


#: signup 5/hour → rate 0.0014/s, burst 1; token 10/min → 0.1667/s, burst 10; the rest 100/min.
SIGNUP_LIMIT = RateLimit(requests=5, period_s=3600, burst=1)
TOKEN_LIMIT = RateLimit(requests=10, period_s=60, burst=10)
DEFAULT_LIMIT = RateLimit(requests=100, period_s=60, burst=100)
PUBLIC_ROUTE_LIMITS = {
    ("POST", "/api/auth/signup"): SIGNUP_LIMIT,
    ("POST", "/api/auth/token"): TOKEN_LIMIT,
}
