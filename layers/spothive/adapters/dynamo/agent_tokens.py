"""Agent token hashes on the cluster item, looked up through the sparse ``by_agent_token`` index."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.adapters.dynamo.models import ClusterModel
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound


class DynamoAgentTokens:
    """``AgentTokens`` on the clusters table; issuing a token is audited in the same transaction."""

    def __init__(self, ledger: AuditStore) -> None:
        self._ledger = ledger

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str, audit: AuditEntry) -> None:
        def build(txn: TransactWrite) -> None:
            txn.update(
                ClusterModel(org_id, cluster_id),
                actions=[ClusterModel.agent_token_hash.set(token_hash)],
                condition=ClusterModel.cluster_id.exists(),
            )

        self._ledger.write(org_id, audit, build, conflict=NotFound(f"cluster {cluster_id} not found",
                                                                   field="cluster_id"))

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        for item in ClusterModel.by_agent_token.query(token_hash, limit=1):
            return item.org_id, item.cluster_id
        return None
