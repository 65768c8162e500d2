"""`create_app()`: the Starlette application, the composition root of the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from decisionlog.api.context import ANONYMOUS_FACILITATOR, Context
from decisionlog.api.schema import schema
from decisionlog.application import DecisionLog
from decisionlog.config import database_url, parse_database_url


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app, with our request context."""

    def __init__(self, decision_log: DecisionLog) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.decision_log = decision_log

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            app=self.decision_log, principal=ANONYMOUS_FACILITATOR,
            request=request, response=response,
        )


def create_app(url: str | None = None, *, decision_log: DecisionLog | None = None) -> Starlette:
    """The service on the database at `url` (default: DECISIONLOG_DATABASE_URL or
    sqlite:///decisionlog.db), or on a given `DecisionLog`."""
    log = decision_log or DecisionLog(env=parse_database_url(database_url(url)).env)
    graphql = GraphQLApp(log)

    async def health(request: Request) -> Response:
        try:
            log.recorder.max_notification_id()
        except Exception as error:  # the store is unreachable: say so, don't crash
            return JSONResponse({"status": "unavailable", "error": type(error).__name__},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    async def home(request: Request) -> Response:
        return RedirectResponse("/graphql")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if decision_log is None:
            log.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            Route("/", home),
        ],
        lifespan=lifespan,
    )
    app.state.decision_log = log
    return app
