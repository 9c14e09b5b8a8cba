"""Accept ``Content-Encoding: gzip`` request bodies (the agent compresses snapshots and usage ≥ 4 KiB)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Largest body accepted after decompression (a 10,000-pod snapshot is about 3.5 MB of JSON).
MAX_INFLATED_BYTES = 64 * 1024 * 1024


class GzipRequestMiddleware:
    """Inflate gzip request bodies before routing; a corrupt or oversized body is a 400 naming ``body``."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_INFLATED_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"]]
        encoding = next((v.decode("latin-1").strip().lower() for k, v in headers if k == b"content-encoding"), "")
        if encoding != "gzip":
            await self.app(scope, receive, send)
            return
        raw = bytearray()
        while True:
            message = await receive()
            raw.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = inflater.decompress(bytes(raw), self.max_bytes + 1)
            if len(body) > self.max_bytes or inflater.unconsumed_tail:
                raise ValueError(f"inflated body over {self.max_bytes} bytes")
        except (zlib.error, ValueError) as exc:
            await _reject(send, f"body: not a valid gzip body ({exc})")
            return
        kept = [(k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")]
        kept.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": kept}, replay, send)


async def _reject(send: Send, message: str) -> None:
    payload: dict[str, Any] = {"error": {"code": "invalid_input", "message": message, "field": "body"}}
    data = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
