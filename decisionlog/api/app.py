"""`create_app()`: the Starlette application, the composition root of the service.

Everything one app uses is made here and lives on it (`app.state`): the settings, the
caches (parsed documents, query results, values derived from trajectory states), the
schema around them, the authenticator. Two apps in one process share none of them.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import orjson
from eventsourcing.utils import strtobool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.types.unset import UNSET

from decisionlog.api.authentication import AuthenticatingGraphQL
from decisionlog.api.documents import DocumentCache
from decisionlog.api.fastpath import FastPath, tag_response
from decisionlog.api.graphiql import graphiql_assets, graphiql_page
from decisionlog.api.limits import MAX_BODY_BYTES, MAX_RESPONSE_BYTES, BodySizeLimit
from decisionlog.api.manifest import TrustedManifest
from decisionlog.api.media import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    request_error_status,
    response_media_type,
)
from decisionlog.api.memo import StateMemo
from decisionlog.api.persisted import PersistedDocuments, document_id_of, resolve_request
from decisionlog.api.readiness import check_readiness
from decisionlog.api.requestid import RequestIdMiddleware
from decisionlog.api.resultcache import ResultCache
from decisionlog.api.schema import DecisionLogSchema, build_schema
from decisionlog.api.settings import Settings
from decisionlog.application import DecisionLog
from decisionlog.auth import Authenticator, token_store
from decisionlog.auth.cursors import cursor_sealer
from decisionlog.infrastructure.config import database_url, parse_database_url
from decisionlog.infrastructure.filelock import hold_serve_lock
from decisionlog.live import Live
from decisionlog.operations.graphqlnotes import NotingGraphQL
from decisionlog.operations.requests import RequestTelemetry
from decisionlog.operations.telemetry import Telemetry, install
from decisionlog.readmodels import ViewsKeeper
from decisionlog.web import SecurityHeaders, page_routes

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
    from strawberry.http.base import BaseRequestProtocol
    from strawberry.types import ExecutionResult

    from decisionlog.api.context import Context


class GraphQLApp(NotingGraphQL, AuthenticatingGraphQL):
    """Strawberry's ASGI app, with our request context and authentication, answering in
    the media type the client accepts (`api/media.py`), finding persisted documents
    (`api/persisted.py`) and tagging answers (`api/fastpath.py`)."""

    results: ResultCache
    persisted: PersistedDocuments

    def encode_json(self, data: object) -> str:
        return encode_json(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(allow_anonymous_read=self.allow_anonymous_read)

    @overload
    async def run(self, request: Request, context: Context = UNSET,
                  root_value: None = UNSET) -> Response: ...

    @overload
    async def run(self, request: WebSocket, context: Context = UNSET,
                  root_value: None = UNSET) -> WebSocket: ...

    async def run(self, request: Request | WebSocket, context: Context = UNSET,
                  root_value: None = UNSET) -> Response | WebSocket:
        response = await super().run(request, context, root_value)
        if not (isinstance(response, Response) and isinstance(request, Request)):
            return response
        if response.media_type == JSON and _answers_in(request) != JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
            response.status_code = getattr(request.state, "request_error_status", None) \
                or response.status_code
        return tag_response(request, response, self.results)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter
                              ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, list):
            return data
        return await resolve_request(self.persisted, data, request, self.parse_json)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        return super().should_render_graphql_ide(request) \
            and "extensions" not in request.query_params \
            and document_id_of(request.query_params) is None

    async def process_result(self, request: Request,
                             result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        status = request_error_status(result.data, result.errors)
        if status is not None and _answers_in(request) == GRAPHQL_RESPONSE_JSON:
            processed.pop("data", None)  # the spec: no data entry for a request error
            request.state.request_error_status = status
        return processed


def _answers_in(request: Request) -> str:
    return response_media_type(request.headers.get("accept"))


def encode_json(data: object) -> str:
    """A response (or a websocket message) as JSON text: orjson (several times faster
    than `json.dumps`), or the standard library for what orjson refuses (integers over
    64 bits, say); over `MAX_RESPONSE_BYTES`, an error saying so instead."""
    try:
        text = orjson.dumps(data).decode()
    except TypeError:
        text = json.dumps(data, separators=(",", ":"))
    if len(text) <= MAX_RESPONSE_BYTES:
        return text
    return orjson.dumps(_too_large(data, len(text))).decode()


def _too_large(data: object, size: int) -> dict[str, Any]:
    response = {"data": None, "errors": [{
        "message": f"The response would take {size:,} bytes, over the limit of "
                   f"{MAX_RESPONSE_BYTES:,}: ask for less (smaller pages, fewer fields).",
        "extensions": {"code": "RESPONSE_TOO_LARGE", "size": size,
                       "limit": MAX_RESPONSE_BYTES}}]}
    if isinstance(data, dict) and data.get("type") == "next":  # a websocket message
        return {**data, "payload": response}
    return response


@dataclass(frozen=True)
class Caches:
    """What one app keeps in memory between requests, each bounded in bytes."""

    documents: DocumentCache
    results: ResultCache
    memo: StateMemo

    @classmethod
    def of(cls, settings: Settings) -> Caches:
        quarter = settings.cache_bytes // 4
        return cls(
            documents=DocumentCache(max_bytes=quarter),
            results=ResultCache(max_entries=settings.result_cache_entries,
                                max_bytes=2 * quarter),
            memo=StateMemo(max_bytes=quarter),
        )


def create_app(url: str | None = None, *, decision_log: DecisionLog | None = None,
               settings: Settings | None = None, telemetry: Telemetry | None = None
               ) -> Starlette:
    """The service on the database at `url` (default: DECISIONLOG_DATABASE_URL or
    sqlite:///decisionlog.db), or on a given `DecisionLog`; `settings` and `telemetry`
    (metrics, logs, traces: `decisionlog.operations`) default to the DECISIONLOG_*
    environment variables (see `api/settings.py`, `operations/telemetry.py`)."""
    catches_up = decision_log.catches_up if decision_log is not None else strtobool(
        os.environ.get("DECISIONLOG_READMODELS_CATCH_UP")
        or os.environ.get("READMODELS_CATCH_UP") or "y")
    # Lagging read models are caught up by the keeper, in the background: the worker
    # answers meanwhile (/ready says 503 until it is done).
    log = decision_log or DecisionLog(env={**parse_database_url(database_url(url)).env,
                                           "READMODELS_CATCH_UP": "n"})
    keeper = ViewsKeeper(log.readmodels.store, catch_up=catches_up)
    cursor_sealer(log)  # made on the first start, kept in the database for every worker
    settings = settings or Settings.from_env()
    caches = Caches.of(settings)
    persisted = PersistedDocuments(
        caches.documents, automatic=settings.persisted_queries,
        introspection=settings.introspection,
        manifest=None if settings.trusted_documents is None
        else TrustedManifest.load(settings.trusted_documents))
    schema: DecisionLogSchema = build_schema(
        introspection=settings.introspection, documents=caches.documents,
        results=caches.results,
        refusal=None if persisted.manifest is None else persisted.refusal)
    authenticator = Authenticator(token_store(log), ttl=settings.token_cache_seconds)
    live = Live(log, settings.live())  # subscriptions: the log follower of this worker
    graphql = GraphQLApp(schema, log, authenticator, settings=settings, memo=caches.memo,
                         live=live)
    graphql.results, graphql.persisted = caches.results, persisted
    front = FastPath(graphql, app=log, results=caches.results, persisted=persisted,
                     authenticator=authenticator,
                     allow_anonymous_read=settings.allow_anonymous_read)
    telemetry = telemetry or Telemetry.from_env(
        backend=type(log.factory).__module__.rsplit(".", 1)[-1])
    if telemetry.tracing is not None:
        schema.extensions = (telemetry.tracing.graphql_extension(), *schema.extensions)
    install(telemetry, log=log, authenticator=authenticator, keeper=keeper,
            websockets=lambda: graphql.websockets.open)
    telemetry.count_subscriptions = lambda: live.open_subscriptions  # the gauge

    async def health(request: Request) -> Response:
        try:
            log.recorder.max_notification_id()
        except Exception as error:  # the store is unreachable: say so, don't crash
            return JSONResponse({"status": "unavailable", "error": type(error).__name__},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        readiness = await run_in_threadpool(check_readiness, log, keeper)
        return JSONResponse(readiness.body(), status_code=200 if readiness.ready else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # What start-up made lives as long as the process: keep it out of every later
        # collection (full collections over it made the p99 tail).
        sqlite_file = log.readmodels.store.sqlite_file
        if sqlite_file is not None:
            hold_serve_lock(sqlite_file)  # one process per SQLite file
        keeper.start()
        await live.start()
        telemetry.start()
        gc.collect()
        gc.freeze()
        yield
        await telemetry.stop()
        await live.stop()
        keeper.stop()
        if decision_log is None:
            log.close()

    app = Starlette(
        routes=[
            Route("/graphql", front, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health", health),
            Route("/ready", ready),
            *telemetry.routes(),
            graphiql_assets(),
            *page_routes(log, authenticator, writes=graphql.writes,
                         allow_anonymous_read=settings.allow_anonymous_read),
        ],
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware),
                    *([Middleware(RequestTelemetry, telemetry=telemetry)]
                      if telemetry.active else []),
                    Middleware(SecurityHeaders),
                    Middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)],
    )
    app.state.decision_log = log
    app.state.authenticator = authenticator
    app.state.settings = settings
    app.state.caches = caches
    app.state.persisted = persisted
    app.state.schema = schema
    app.state.views_keeper = keeper
    app.state.live = live  # live.open_subscriptions: the subscriptions running now
    app.state.telemetry = telemetry
    return app
