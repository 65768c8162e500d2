"""Strawberry's ASGI view with authentication and hardened request parsing.

HTTP: `Authorization: Bearer TOKEN`. Without a valid token only GraphiQL's page is
served; any GraphQL request gets 401 with a GraphQL-style JSON error (a request without
a token reads as an unscoped reader when anonymous reads are allowed; a bad token is
refused even then). Websocket: the token comes in the `connection_init` payload as
`{"Authorization": "Bearer TOKEN"}` (or the upgrade request's header); a bad one closes
the socket with 4403 before anything runs, and it is checked again for each operation
(`websocket.py`). A worker holds at most `Settings.max_websockets` sockets, of which at
most `Settings.max_unauthenticated_websockets` have not yet sent a valid
`connection_init` (each has `Settings.connection_init_seconds` to do so): past either,
the handshake is refused with 503.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import process_result
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from decisionlog.api.context import Context
from decisionlog.api.groupcommit import GroupCommit
from decisionlog.api.livesocket import LiveSession
from decisionlog.api.masking import masked_error, new_request_id, should_mask_error
from decisionlog.api.media import response_media_type
from decisionlog.api.memo import StateMemo
from decisionlog.api.persisted import DocumentRefusedError
from decisionlog.api.settings import Settings
from decisionlog.api.websocket import TransportHandler, WebSocketSlots
from decisionlog.auth.authenticator import NOT_CACHED
from decisionlog.auth.principal import ANONYMOUS_READER, NOBODY, Principal

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import Receive, Scope, Send
    from strawberry.http import GraphQLHTTPResponse
    from strawberry.schema import BaseSchema
    from strawberry.types import ExecutionResult

    from decisionlog.application import DecisionLog
    from decisionlog.auth.authenticator import Authenticator
    from decisionlog.live import Live


class NotAuthenticatedError(Exception):
    """Raised when a GraphQL request carries no valid token; answered with 401."""

    def __init__(self, message: str, *, token_given: bool) -> None:
        super().__init__(message)
        self.message = message
        self.token_given = token_given

    def response(self) -> Response:
        challenge = 'Bearer realm="decisionlog"'
        if self.token_given:
            challenge += ', error="invalid_token"'
        return JSONResponse(
            {"errors": [{"message": self.message, "extensions": {"code": "UNAUTHENTICATED"}}]},
            status_code=401, headers={"WWW-Authenticate": challenge},
        )


def bearer_token(value: object) -> str | None:
    """The token of an `Authorization` value `Bearer TOKEN`; "" for any other value."""
    if value is None:
        return None
    scheme, _, token = str(value).strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class AuthenticatingGraphQL(GraphQL[Context, None]):
    """The GraphQL view: who is asking, in the context of every operation."""

    graphql_transport_ws_handler_class = TransportHandler
    max_subscriptions_per_connection = 32  # operations in flight on one websocket

    def __init__(self, schema: BaseSchema, decision_log: DecisionLog,
                 authenticator: Authenticator, *, settings: Settings | None = None,
                 memo: StateMemo | None = None, live: Live | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        settings = settings or Settings()
        self.decision_log = decision_log
        self.writes = GroupCommit(decision_log)
        self.authenticator = authenticator
        self.allow_anonymous_read = settings.allow_anonymous_read
        self.memo = memo if memo is not None else StateMemo()
        self.connection_init_wait_timeout = timedelta(
            seconds=settings.connection_init_seconds)
        self.websockets = WebSocketSlots(settings.max_websockets,
                                         settings.max_unauthenticated_websockets)
        self.live = live  # subscriptions need it (`create_app` makes it)
        self.websocket_idle_seconds = settings.websocket_idle_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        try:
            await super().__call__(scope, receive, send)
        except NotAuthenticatedError as error:  # raised before anything was sent
            await error.response()(scope, receive, send)
        except DocumentRefusedError as error:  # likewise (`persisted.py`)
            accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
            await error.response(response_media_type(accept))(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.websockets.try_open():
            await refuse_websocket(WebSocket(scope, receive, send))
            return
        state = scope.setdefault("state", {})
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.websockets.close(authenticated=bool(state.get("authenticated")))

    async def get_context(self, request: Any, response: Any) -> Context:
        request_id = getattr(request.state, "request_id", None) or new_request_id()
        context = Context(app=self.decision_log, principal=NOBODY, request=request,
                          response=response, writes=self.writes, memo=self.memo,
                          request_id=request_id)
        if isinstance(request, WebSocket):
            if self.live is not None:
                context.live = LiveSession(self.live, request,
                                           idle_seconds=self.websocket_idle_seconds)
            return context  # authenticated by on_ws_connect
        request.state.request_id = context.request_id
        token = bearer_token(request.headers.get("authorization"))
        principal = await self._principal(token)
        if principal is not None:
            context.principal = principal
        elif not self.should_render_graphql_ide(self.request_adapter_class(request)):
            raise NotAuthenticatedError(
                "A valid token is needed: send the header 'Authorization: Bearer TOKEN'."
                if token is None else "The token is unknown, revoked or malformed.",
                token_given=token is not None)
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) \
            else {}
        value = params.get("Authorization", params.get("authorization"))
        if value is None and isinstance(context.request, WebSocket):
            value = context.request.headers.get("authorization")
        token = bearer_token(value)
        principal = await self._principal(token)
        if principal is None:
            raise ConnectionRejectionError
        context.principal, context.token = principal, token
        if isinstance(context.request, WebSocket):
            state = context.request.scope.setdefault("state", {})
            if not state.get("authenticated"):
                state["authenticated"] = True
                self.websockets.authenticated()
        return await super().on_ws_connect(context)

    async def still_authenticated(self, context: Context, *,
                                  max_age: float | None = None) -> bool:
        """Whether a websocket's token still names its principal (revoked tokens stop
        within the token cache's time; `max_age` as in `Authenticator.principal`)."""
        return await self._principal(context.token, max_age=max_age) == context.principal

    async def _principal(self, token: str | None, *,
                         max_age: float | None = None) -> Principal | None:
        if token is None:
            return ANONYMOUS_READER if self.allow_anonymous_read else None
        principal = self.authenticator.cached_principal(token, max_age=max_age)
        if principal is NOT_CACHED:
            return await run_in_threadpool(
                lambda: self.authenticator.principal(token, max_age=max_age))
        return principal

    def decode_json(self, data: str | bytes) -> object:
        """JSON that cannot crash the view: malformed, nested over 1,024 deep, not UTF-8,
        a lone surrogate, a number past a double (a 5,000-digit integer), or anything but
        an object or a list is a JSON error (400 over HTTP, 4400 over a websocket).
        orjson reads numbers past 64 bits as doubles: an Int argument refuses them."""
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise json.JSONDecodeError(f"Invalid JSON: {error.msg}", "", error.pos) from None
        if not isinstance(value, (dict, list)):
            raise json.JSONDecodeError("Expected a JSON object", "", 0)
        return value

    async def process_result(self, request: Request,
                             result: ExecutionResult) -> GraphQLHTTPResponse:
        """A last guard: no unexpected exception's text leaves over HTTP."""
        if result.errors:
            request_id = getattr(request.state, "request_id", "-")
            result.errors = [masked_error(e, request_id) if should_mask_error(e) else e
                             for e in result.errors]
        return process_result(result)



async def refuse_websocket(websocket: WebSocket) -> None:
    """Refuse a handshake with 503 (or a plain refusal where the server cannot say why):
    this worker holds as many websockets as it may."""
    await websocket.receive()  # websocket.connect
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse(
            {"errors": [{"message": "Too many websockets are open; try again later.",
                         "extensions": {"code": "SERVICE_UNAVAILABLE"}}]},
            status_code=503, headers={"Retry-After": "5"}))
    else:
        await websocket.close(code=1013)
