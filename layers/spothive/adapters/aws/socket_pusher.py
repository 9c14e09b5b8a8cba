"""``SocketPusher`` on the API Gateway Management API (``PostToConnection`` on the WebSocket stage)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws import clients


class ApiGatewaySocketPusher:
    """Posts JSON frames to connections of the stage at ``endpoint`` (``https://<api>.execute-api.<region>
    .amazonaws.com/<stage>``); a ``GoneException`` means the client left."""

    def __init__(self, endpoint: str, region: str) -> None:
        # the stage URL is the endpoint (an emulator has no management API of its own to point at)
        self._client: Any = clients.Session().client(
            "apigatewaymanagementapi", region_name=region, config=clients.RETRIES, endpoint_url=endpoint)

    def push(self, connection_id: str, message: Mapping[str, Any]) -> bool:
        """True when API Gateway took the frame, False when the connection is gone."""
        try:
            self._client.post_to_connection(
                ConnectionId=connection_id, Data=json.dumps(dict(message), sort_keys=True, default=str).encode())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "GoneException":
                return False
            raise
        return True
