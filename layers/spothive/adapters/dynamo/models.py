"""pynamodb models for the tables in ``schema.py`` (names bound at start-up by ``bind``)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from spothive.adapters.dynamo import schema


class _Index(GlobalSecondaryIndex[Any]):
    class Meta:
        projection = AllProjection()


class UsersByOrg(_Index):
    class Meta:
        index_name = "by_org"
        projection = AllProjection()

    org_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class UserModel(Model):
    class Meta:
        table_name = "users"

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    org_id = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    #: The weekly report e-mail (absent means yes); set through ``/api/auth/me/settings``.
    weekly_report = BooleanAttribute(null=True)
    by_org = UsersByOrg()


class OrgsByListing(_Index):
    class Meta:
        index_name = "by_listing"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)


class OrgModel(Model):
    class Meta:
        table_name = "orgs"

    org_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    #: Set on client orgs only (``domain.client_list.LISTING``), so the index lists exactly the clients.
    listing = UnicodeAttribute(null=True)
    name_key = UnicodeAttribute(null=True)
    by_listing = OrgsByListing()


class AccountsByStatus(_Index):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)


class AccountModel(Model):
    class Meta:
        table_name = "accounts"

    org_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    external_id = UnicodeAttribute(null=True)
    aws_account_id = UnicodeAttribute(null=True)
    role_arn = UnicodeAttribute(null=True)
    status_reason = UnicodeAttribute(null=True)
    last_scan_at = UTCDateTimeAttribute(null=True)
    by_status = AccountsByStatus()


class ClustersByAccount(_Index):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    cluster_id = UnicodeAttribute(range_key=True)


class ClustersByAgentToken(_Index):
    class Meta:
        index_name = "by_agent_token"
        projection = AllProjection()

    agent_token_hash = UnicodeAttribute(hash_key=True)


class ClusterModel(Model):
    class Meta:
        table_name = "clusters"

    org_id = UnicodeAttribute(hash_key=True)
    cluster_id = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    region = UnicodeAttribute()
    arn = UnicodeAttribute(default="")
    version = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="")
    nodegroups = ListAttribute(of=UnicodeAttribute, default=list)
    node_count = NumberAttribute(default=0)
    first_seen = UTCDateTimeAttribute()
    last_seen = UTCDateTimeAttribute()
    agent_token_hash = UnicodeAttribute(null=True)
    by_account = ClustersByAccount()
    by_agent_token = ClustersByAgentToken()


class InstancesByCluster(_Index):
    class Meta:
        index_name = "by_cluster"
        projection = AllProjection()

    cluster_id = UnicodeAttribute(hash_key=True)
    instance_key = UnicodeAttribute(range_key=True)


class InstancesByAccount(_Index):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    instance_key = UnicodeAttribute(range_key=True)


class InstanceModel(Model):
    class Meta:
        table_name = "instances"

    org_id = UnicodeAttribute(hash_key=True)
    instance_key = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    cluster_id = UnicodeAttribute(null=True)
    cluster_name = UnicodeAttribute(null=True)
    instance_id = UnicodeAttribute()
    region = UnicodeAttribute()
    instance_type = UnicodeAttribute()
    zone = UnicodeAttribute(default="")
    lifecycle = UnicodeAttribute()
    state = UnicodeAttribute()
    launch_time = UTCDateTimeAttribute(null=True)
    tags = MapAttribute[str, Any](default=dict)
    last_seen = UTCDateTimeAttribute()
    by_cluster = InstancesByCluster()
    by_account = InstancesByAccount()


class ScanModel(Model):
    class Meta:
        table_name = "scans"

    account_id = UnicodeAttribute(hash_key=True)
    started_at = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    finished_at = UTCDateTimeAttribute()
    status = UnicodeAttribute()
    clusters = NumberAttribute(default=0)
    instances = NumberAttribute(default=0)
    added = NumberAttribute(default=0)
    removed = NumberAttribute(default=0)
    changed = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


#: Each model and the spec it must match.
MODELS: dict[type[Model], schema.TableSpec] = {
    UserModel: schema.USERS,
    OrgModel: schema.ORGS,
    AccountModel: schema.ACCOUNTS,
    ClusterModel: schema.CLUSTERS,
    InstanceModel: schema.INSTANCES,
    ScanModel: schema.SCANS,
}


_binding: tuple[str, str, str | None] | None = None


def register(model: type[Model], spec: schema.TableSpec) -> None:
    """Add a model defined elsewhere (one module per feature) so ``bind`` configures it too (at once, when
    the tables are already bound: a context's modules may be imported after another's first request)."""
    MODELS[model] = spec
    if _binding is not None:
        _bind_one(model, spec, *_binding)


def bind(prefix: str, region: str, host: str | None) -> None:
    """Point every model at ``<prefix>-<suffix>`` in ``region`` (and an emulator ``host``)."""
    global _binding
    _binding = (prefix, region, host)
    for model, spec in MODELS.items():
        _bind_one(model, spec, prefix, region, host)


def _bind_one(model: type[Model], spec: schema.TableSpec, prefix: str, region: str, host: str | None) -> None:
    model.Meta.table_name = spec.table_name(prefix)
    model.Meta.region = region
    model.Meta.host = host
    model.Meta.max_retry_attempts = 8
    model._connection = None
