"""Helpers for the slice tests: an API client and sign-up shortcuts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient

from spothive.api.app import create_app

PASSWORD = "Correct-Horse-42!"


def api() -> TestClient:
    """A client for the whole API (every route group)."""
    return TestClient(create_app())


@dataclass
class Tenant:
    email: str
    org_id: str
    account_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def signup(client: TestClient, org_name: str = "Acme") -> Tenant:
    """Sign a fresh tenant up and return its token."""
    email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
    response = client.post("/api/auth/signup", json={"org_name": org_name, "email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    return Tenant(email, body["org_id"], body["account_id"], body["token"])
