"""Every config endpoint refuses a missing or expired token with 401 and changes nothing."""

from __future__ import annotations

import pytest

from tests.integration.config.helpers import expired_headers
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration

ENDPOINTS = [
    ("get", "/api/templates", None),
    ("post", "/api/templates", {"name": "x", "families": ["m5"], "architectures": ["amd64"]}),
    ("post", "/api/templates/validate", {"families": ["m5"], "architectures": ["amd64"]}),
    ("get", "/api/templates/tmpl-1", None),
    ("put", "/api/templates/tmpl-1", {"name": "x", "families": ["m5"], "architectures": ["amd64"]}),
    ("delete", "/api/templates/tmpl-1", None),
    ("patch", "/api/templates/tmpl-1/default", None),
    ("get", "/api/policies/c-1", None),
    ("patch", "/api/policies/karpenter", {"cluster_id": "c-1", "enabled": True, "expected_version": 0}),
    ("patch", "/api/policies/binpack", {"cluster_id": "c-1", "aggressiveness": 50, "expected_version": 0}),
    ("patch", "/api/policies/fallback", {"cluster_id": "c-1", "enabled": True, "expected_version": 0}),
    ("patch", "/api/policies/exclusions", {"cluster_id": "c-1", "namespaces": [], "expected_version": 0}),
    ("patch", "/api/policies/template", {"cluster_id": "c-1", "template_id": None, "expected_version": 0}),
    ("post", "/api/hibernation/schedule", {"cluster_id": "c-1", "schedule_matrix": [1] * 168, "timezone": "UTC"}),
    ("patch", "/api/hibernation/prewarm", {"cluster_id": "c-1", "enabled": True}),
    ("patch", "/api/hibernation/tz", {"cluster_id": "c-1", "timezone": "UTC"}),
    ("post", "/api/hibernation/override", {"cluster_id": "c-1", "duration_minutes": 10}),
    ("get", "/api/hibernation/c-1", None),
]


def test_missing_and_expired_tokens_are_401_on_every_endpoint(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    expired = expired_headers(hub, tenant.email)
    for method, path, body in ENDPOINTS:
        kwargs = {"json": body} if body is not None else {}
        missing = client.request(method.upper(), path, **kwargs)
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.json()["error"]["code"] == "unauthorized"
        stale = client.request(method.upper(), path, headers=expired, **kwargs)
        assert stale.status_code == 401, (method, path, stale.text)
        assert "expired" in stale.json()["error"]["message"]
