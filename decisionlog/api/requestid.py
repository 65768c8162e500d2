"""Every answer names its request: the outermost ASGI middleware of the app.

It gives each HTTP request and websocket handshake an id (`request.state.request_id`,
which the GraphQL context and masked errors use), adds `X-Request-ID` to whatever answers
(400, 401, 405, 413 and 500 too; the answers the HTTP protocol itself gives carry one as
well, see `serving.py`), and turns an exception that escaped everything else into a JSON
500 naming the id, logged with its traceback, instead of a bare "Internal Server Error".
"""

from __future__ import annotations

import logging
from typing import Final

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from decisionlog.api.masking import new_request_id

logger = logging.getLogger("decisionlog.api")

HEADER: Final = b"x-request-id"
STARTS: Final = frozenset({"http.response.start", "websocket.accept",
                           "websocket.http.response.start"})


class RequestIdMiddleware:
    """Adds `X-Request-ID` to every answer and answers escaped exceptions with a JSON
    500 that names it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] in STARTS:
                started = True
                headers = list(message.get("headers") or [])
                if not any(name.lower() == HEADER for name, _ in headers):
                    headers.append((HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("Internal error (request id %s) at %s %s", request_id,
                             scope.get("method", "WEBSOCKET"), scope.get("path", "-"))
            if started:
                return  # the answer was on its way: the server closes the connection
            if scope["type"] == "http":
                await _internal_error(send, request_id)
            else:
                await send({"type": "websocket.close", "code": 1011})


async def _internal_error(send: Send, request_id: str) -> None:
    body = orjson.dumps({"errors": [{
        "message": f"Internal error (request id {request_id}).",
        "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id}}]})
    await send({"type": "http.response.start", "status": 500, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (HEADER, request_id.encode())]})
    await send({"type": "http.response.body", "body": body})
