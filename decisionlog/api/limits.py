"""Limits on what one request may ask: body size, query depth, aliases and tokens.

The validation rules are built once, at import: the validation cache
(`validationcache.py`) reuses a result only for the same rule classes, and
`QueryDepthLimiter`/`MaxAliasesLimiter` make a new class per instance, so limiter
instances made per request would miss the cache every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Final

from graphql import ASTValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 12
MAX_ALIASES: Final = 30
MAX_TOKENS: Final = 2000

LIMIT_RULES: Final[tuple[type[ASTValidationRule], ...]] = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)
NO_INTROSPECTION_RULES: Final[tuple[type[ASTValidationRule], ...]] = (
    *LIMIT_RULES, NoSchemaIntrospectionCustomRule,
)


def limit_extensions(*, introspection: bool = True) -> list[Callable[[], SchemaExtension]]:
    """Extension factories for the limits; each request gets new extension objects
    around the same rule classes (and the same token count, which `ParserCache` keys on)."""
    rules = list(LIMIT_RULES if introspection else NO_INTROSPECTION_RULES)
    return [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(rules),
    ]


class BodySizeLimit:
    """ASGI middleware: answers 413 to an HTTP request whose body is over `max_bytes`.

    It trusts no Content-Length: it reads the body itself, counting, and gives the app
    the body it read (a declared length over the limit is refused before reading).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"errors": [{
            "message": f"Request body larger than {self.max_bytes} bytes.",
            "extensions": {"code": "PAYLOAD_TOO_LARGE"},
        }]}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
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
