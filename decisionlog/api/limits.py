"""Limits on what one request may ask and what one worker holds, in one place.

The README's "Limits and errors" lists them for users. Where each is enforced:
- body size: `BodySizeLimit` below (413); header size and time, connections: `serving.py`;
- query length and tokens (comments count too): the parser (`documents.py`); depth and aliases:
  `document_rules.py`, linear in the document; cost: `cost.py`, before execution;
- response size: `app.encode_json`; websockets: `websocket.py`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 12
MAX_ALIASES: Final = 30
MAX_TOKENS: Final = 2000
MAX_QUERY_CHARS: Final = 256 * 1024
"""The query text is lexed character by character (about 0.2 s per MB on the event loop):
longer texts are refused before lexing. Values belong in variables."""
MAX_COST: Final = 50_000
"""Operations that cost more are refused before they run (see `cost.py`)."""
OFF_LOOP_COST: Final = 5_000
"""Queries that cost more run in a worker thread, off the event loop."""
MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
"""A response larger than this is replaced by an error saying so."""
BODY_SECONDS: Final = 30.0
"""The time a request's body may take to arrive, once its headers have (then 408)."""


class BodySizeLimit:
    """ASGI middleware: answers 413 to an HTTP request whose body is over `max_bytes`,
    408 to one whose body takes longer than `seconds` to arrive.

    It trusts no Content-Length: it reads the body itself, counting, and gives the app
    the body it read (a declared length over the limit is refused before reading).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES,
                 seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        try:
            async with asyncio.timeout(self.seconds):
                body = await self._body(receive)
        except TimeoutError:
            await _refuse(send, 408, f"Request body not received within {self.seconds:g} "
                                     "seconds.", "REQUEST_TIMEOUT")
            return
        if body is None:  # the client went away
            return
        if len(body) > self.max_bytes:
            await self._too_large(send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _body(self, receive: Receive) -> bytes | None:
        """The body, or its first bytes past `max_bytes`; None on a disconnect."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= self.max_bytes:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        return b"".join(chunks)

    async def _too_large(self, send: Send) -> None:
        await _refuse(send, 413, f"Request body larger than {self.max_bytes} bytes.",
                      "PAYLOAD_TOO_LARGE")


async def _refuse(send: Send, status: int, message: str, code: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body once, then waits on the real one (disconnect)."""
    pending: Iterator[Message] = iter([{"type": "http.request", "body": body,
                                        "more_body": False}])

    async def replay() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    return replay
