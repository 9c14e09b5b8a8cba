"""CloudWatch Logs subscription → the platform log stream (``/api/admin/logs``) and its open sockets.

Every function's log group is subscribed (the Powertools JSON lines: ``level``, ``message``,
``service``, ``component_id``, ``action``, ``result``, ``duration_ms`` …); this function decodes the
gzip'd batch and publishes each record. Its own log group is not subscribed (no loop).
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from spothive.domain.streams import LOG_FIELDS as FIELDS
from spothive.observability import lambda_handler, logger
from spothive.wiring import streams as streams_wiring

CORRELATION = "logStream"  # absent from the envelope: each batch stands alone


def records(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The structured records of one subscription batch (non-JSON lines kept as their message)."""
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    if payload.get("messageType") != "DATA_MESSAGE":
        return []
    group = str(payload.get("logGroup", ""))
    out = []
    for item in payload.get("logEvents", []):
        try:
            line = json.loads(item.get("message", ""))
        except ValueError:
            line = {"message": item.get("message", "")}
        if not isinstance(line, dict):
            line = {"message": str(line)}
        record = {"timestamp": line.get("timestamp"), "level": line.get("level", "INFO"),
                  "logger": line.get("service") or group, "message": str(line.get("message", "")),
                  "log_group": group}
        record |= {name: line[name] for name in FIELDS if line.get(name) is not None}
        out.append(record)
    return out


@lambda_handler(CORRELATION)
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Publish every record of the batch; how many."""
    service = streams_wiring.streams()
    published = [service.log(record) for record in records(event)]
    logger.debug("log batch forwarded", extra={"records": len(published)})
    return {"published": len(published)}
