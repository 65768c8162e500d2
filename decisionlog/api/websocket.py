"""The `graphql-transport-ws` protocol, hardened: every frame checked before use, the
token checked again for each operation, and every operation answered.

strawberry's handler indexes frames as it finds them: a payload that is not an object or
an id that is a list raised unhandled exceptions and logged tracebacks, even before
`connection_init`; a query with a syntax error ended with a bare `complete`. Here:
- a frame that is not a protocol message closes the socket with 4400 and a reason (the
  protocol's "invalid message"), before anything else reads it;
- each `subscribe` re-checks the connection's token through the same cache as HTTP, so a
  revoked token stops working within `DECISIONLOG_TOKEN_CACHE_SECONDS` (5 s); the socket
  is then closed with 4403;
- an operation runs through `Schema.execute` (so the cost limit and off-loop execution
  apply as over HTTP); errors before execution (syntax, validation, cost) are sent as an
  `error` message, a result as `next` then `complete`;
- `WebSocketSlots` counts open and not yet authenticated sockets per worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.execution import PreExecutionError

from decisionlog.api.context import Context
from decisionlog.api.masking import masked_error

if TYPE_CHECKING:
    from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
        Message,
        SubscribeMessage,
    )

logger = logging.getLogger("decisionlog.api")

MAX_ID_LENGTH: Final = 256
MESSAGE_TYPES: Final = frozenset({"connection_init", "ping", "pong", "subscribe", "complete"})


def frame_problem(message: object) -> str | None:
    """Why a decoded frame is not a graphql-transport-ws message; None when it is."""
    if not isinstance(message, dict):
        return "A message must be a JSON object."
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        return "A message needs a type: connection_init, ping, pong, subscribe or complete."
    if kind in ("subscribe", "complete"):
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_ID_LENGTH:
            return f"A {kind} message needs an id: a string of 1 to {MAX_ID_LENGTH} characters."
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "A subscribe message needs a payload object with a query string."
        for name, kinds in (("variables", dict), ("operationName", str), ("extensions", dict)):
            value = payload.get(name)
            if value is not None and not isinstance(value, kinds):
                return f"The payload's {name} must be a {kinds.__name__} or null."
    elif kind in ("connection_init", "ping", "pong"):
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            return f"A {kind} message's payload must be an object."
    return None


class TransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's handler with checked frames, re-checked tokens and answered errors."""

    async def handle_message(self, message: Message) -> None:
        problem = frame_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged:
            view: Any = self.view
            if not await view.still_authenticated(self.context):
                await self.websocket.close(code=4403, reason="Forbidden: the token is no "
                                                             "longer valid")
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        try:
            result = await self.schema.execute(
                operation.query, variable_values=operation.variables,
                context_value=self.context, root_value=self.root_value,
                operation_name=operation.operation_name)
        except (MissingQueryError, CannotGetOperationTypeError,
                InvalidOperationTypeError) as error:
            await operation.send_initial_errors([GraphQLError(_reason(error))])
            return
        except Exception as error:  # a bug: logged, answered, socket kept
            failure = GraphQLError(str(error), original_error=error)
            await operation.send_initial_errors([masked_error(failure,
                                                              self.context.request_id)])
            return
        if isinstance(result, PreExecutionError):
            await operation.send_initial_errors(result.errors or [])
            return
        await operation.send_next(result)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})


def _reason(error: Exception) -> str:
    if isinstance(error, MissingQueryError):
        return "No GraphQL query found in the message."
    if isinstance(error, CannotGetOperationTypeError):
        return error.as_http_error_reason()
    return str(error) or type(error).__name__


@dataclass
class WebSocketSlots:
    """Websockets open in this worker, and how many of them are not yet authenticated."""

    max_open: int
    max_unauthenticated: int
    open: int = 0
    unauthenticated: int = 0

    def try_open(self) -> bool:
        """Take a slot for a new socket (not yet authenticated); False when full."""
        if self.open >= self.max_open or self.unauthenticated >= self.max_unauthenticated:
            return False
        self.open += 1
        self.unauthenticated += 1
        return True

    def authenticated(self) -> None:
        self.unauthenticated -= 1

    def close(self, *, authenticated: bool) -> None:
        self.open -= 1
        if not authenticated:
            self.unauthenticated -= 1
