"""The configuration tables' items: node templates (with the org's default pointer) and cluster policies.

Both repositories read both tables (a template in use by a policy cannot be deleted; a policy binds a
template), so the items live here, apart from either repository.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema

#: Sort key of the item holding the org's default template id.
DEFAULT_POINTER = "~default"


class TemplateModel(Model):
    class Meta:
        table_name = "node-templates"

    org_id = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)
    # template items
    name = UnicodeAttribute(null=True)
    families = ListAttribute(of=UnicodeAttribute, null=True)
    architectures = ListAttribute(of=UnicodeAttribute, null=True)
    capacity_types = ListAttribute(of=UnicodeAttribute, null=True)
    strategy = UnicodeAttribute(null=True)
    gpu = BooleanAttribute(null=True)
    max_nodes = NumberAttribute(null=True)
    disruption_budget_percent = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    deleted_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(null=True)
    bind_token = UnicodeAttribute(null=True)
    # the pointer item
    default_template_id = UnicodeAttribute(null=True)


models.register(TemplateModel, schema.NODE_TEMPLATES)


class PolicyModel(Model):
    class Meta:
        table_name = "cluster-policies"

    org_id = UnicodeAttribute(hash_key=True)
    cluster_id = UnicodeAttribute(range_key=True)
    version = NumberAttribute()
    karpenter_enabled = BooleanAttribute(default=False)
    karpenter_strategy = UnicodeAttribute(default="balanced")
    binpack_aggressiveness = NumberAttribute(default=50)
    fallback_enabled = BooleanAttribute(default=True)
    excluded_namespaces = ListAttribute(of=UnicodeAttribute, default=list)
    template_id = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    mode = UnicodeAttribute(default="recommend")
    max_disrupted_nodes = NumberAttribute(default=3)
    max_disrupted_percent = NumberAttribute(default=20)
    payback_days = NumberAttribute(null=True)
    min_monthly_saving_usd = NumberAttribute(null=True)


models.register(PolicyModel, schema.CLUSTER_POLICIES)
