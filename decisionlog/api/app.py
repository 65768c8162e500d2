"""`create_app()`: the Starlette application, the composition root of the service."""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from decisionlog.api.authentication import AuthenticatingGraphQL
from decisionlog.api.limits import MAX_BODY_BYTES, BodySizeLimit
from decisionlog.api.schema import build_schema, schema
from decisionlog.api.settings import Settings
from decisionlog.application import DecisionLog
from decisionlog.auth import Authenticator, token_store
from decisionlog.infrastructure.config import database_url, parse_database_url
from decisionlog.web import SecurityHeaders, page_routes


class GraphQLApp(AuthenticatingGraphQL):
    """Strawberry's ASGI app, with our request context and authentication."""

    def encode_json(self, data: object) -> str:
        return encode_json(data)


def encode_json(data: object) -> str:
    """A response as JSON text: orjson (several times faster than `json.dumps`), or the
    standard library for what orjson refuses (integers over 64 bits, say)."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return json.dumps(data, separators=(",", ":"))


def create_app(url: str | None = None, *, decision_log: DecisionLog | None = None,
               settings: Settings | None = None) -> Starlette:
    """The service on the database at `url` (default: DECISIONLOG_DATABASE_URL or
    sqlite:///decisionlog.db), or on a given `DecisionLog`; `settings` default to the
    DECISIONLOG_* environment variables (see `api/settings.py`)."""
    log = decision_log or DecisionLog(env=parse_database_url(database_url(url)).env)
    settings = settings or Settings.from_env()
    authenticator = Authenticator(token_store(log), ttl=settings.token_cache_seconds)
    graphql = GraphQLApp(
        schema if settings.introspection else build_schema(introspection=False), log,
        authenticator, allow_anonymous_read=settings.allow_anonymous_read,
    )

    async def health(request: Request) -> Response:
        try:
            log.recorder.max_notification_id()
        except Exception as error:  # the store is unreachable: say so, don't crash
            return JSONResponse({"status": "unavailable", "error": type(error).__name__},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # What start-up made lives as long as the process: keep it out of every later
        # collection (full collections over it made the p99 tail).
        gc.collect()
        gc.freeze()
        yield
        if decision_log is None:
            log.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            *page_routes(log, authenticator, writes=graphql.writes,
                         allow_anonymous_read=settings.allow_anonymous_read),
        ],
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders),
                    Middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)],
    )
    app.state.decision_log = log
    app.state.authenticator = authenticator
    return app
