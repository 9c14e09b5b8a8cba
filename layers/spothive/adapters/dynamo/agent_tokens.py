"""Agent token hashes on the cluster item, looked up through the sparse ``by_agent_token`` index."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from spothive.adapters.dynamo.models import ClusterModel
from spothive.domain.errors import NotFound


class DynamoAgentTokens:
    """``AgentTokens`` on the clusters table."""

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str) -> None:
        try:
            ClusterModel(org_id, cluster_id).update(
                actions=[ClusterModel.agent_token_hash.set(token_hash)],
                condition=ClusterModel.cluster_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(f"cluster {cluster_id} not found", field="cluster_id") from exc
            raise

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        for item in ClusterModel.by_agent_token.query(token_hash, limit=1):
            return item.org_id, item.cluster_id
        return None
