"""The optimize and job endpoints refuse what they must: no token, another tenant, a bad body."""

from __future__ import annotations

import pytest

from tests.integration.slice.helpers import signup

pytestmark = pytest.mark.integration


def test_no_token_is_401(client, linked):  # type: ignore[no-untyped-def]
    response = client.post(f"/api/clusters/{linked.cluster_id}/optimize", json={})
    assert response.status_code == 401


def test_another_tenants_cluster_and_job_are_404(client, linked):  # type: ignore[no-untyped-def]
    other = signup(client, "Other")
    response = client.post(f"/api/clusters/{linked.cluster_id}/optimize", headers=other.headers, json={})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "cluster_id"
    started = client.post(f"/api/clusters/{linked.cluster_id}/optimize", headers=linked.tenant.headers,
                          json={"dry_run": True}).json()
    peek = client.get(f"/api/clusters/{linked.cluster_id}/jobs/{started['job_id']}", headers=other.headers)
    assert peek.status_code == 404


@pytest.mark.parametrize(("body", "field"), [({"dry_run": "maybe"}, "dry_run"), ({"dryrun": True}, "dryrun")])
def test_a_bad_body_is_422_naming_the_field(client, linked, body, field):  # type: ignore[no-untyped-def]
    response = client.post(f"/api/clusters/{linked.cluster_id}/optimize", headers=linked.tenant.headers, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_an_unknown_job_is_404(client, linked):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/clusters/{linked.cluster_id}/jobs/job-nope", headers=linked.tenant.headers)
    assert response.status_code == 404
