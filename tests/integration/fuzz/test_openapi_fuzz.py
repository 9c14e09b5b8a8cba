"""Property-based fuzzing of every operation of the OpenAPI document against the app in process.

Schemathesis generates valid and invalid requests from the document; every response must be no 5xx,
carry a documented status, a documented content type, and a body matching the documented schema (the
one error body included). Examples per operation are bounded so the suite stays within a few minutes on
two cores; ``SPOTHIVE_FUZZ_EXAMPLES`` raises the bound for a deeper run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spothive.api.app import create_app
from tests.integration.slice.helpers import signup

pytestmark = [pytest.mark.integration, pytest.mark.slow]

APP = create_app()
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = int(os.environ.get("SPOTHIVE_FUZZ_EXAMPLES", "4"))
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def token(hub: dict[str, str]) -> str:
    """A tenant's ID token (a plain member: the admin operations answer 403 to it)."""
    return signup(TestClient(APP)).token


@SCHEMA.parametrize()
@BOUNDED
def test_every_operation_as_a_tenant(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@SCHEMA.parametrize()
@settings(BOUNDED, max_examples=max(2, EXAMPLES // 3))
def test_every_operation_without_a_token(case: schemathesis.Case, hub: dict[str, str]) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.call_and_validate(checks=CHECKS)
