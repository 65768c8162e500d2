"""The request middleware: each HTTP request counted, timed, traced and logged.

It sits at the ASGI level, inside `RequestIdMiddleware`, so it sees every answer the app
gives: GraphQL's (however it was answered: by strawberry, from the result cache, or by
a fast path that never enters strawberry), the pages', `/health`, `/ready`, 401s and
the 500 of an escaped exception. What the request was is read from its `RequestNote`
(`notes.py`) once the answer has gone; the outcome is, in this order: `5xx` for a
server error, the note's outcome (`ok`, a typed error's `__typename`, `graphql_error`),
`4xx` for any other client error, else `ok`.

Websockets pass through: their connections and subscriptions are gauges.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from decisionlog.operations.logs import write_access_line
from decisionlog.operations.notes import (
    CLIENT_ERROR,
    OK,
    SERVER_ERROR,
    RequestNote,
    close_note,
    open_note,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from decisionlog.operations.telemetry import Telemetry

UNMATCHED: Final = "unmatched"  # the route label of a path no route serves (404)


def outcome_of(status: int, note: RequestNote) -> str:
    """The outcome label of a request answered with `status`."""
    if status >= 500:
        return SERVER_ERROR
    if note.outcome:
        return note.outcome
    if status >= 400:
        return CLIENT_ERROR
    return OK


def route_of(scope: Scope) -> str:
    """The path template of the route that served the request (a bounded label)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestTelemetry:
    """Counts, times, traces and logs each HTTP request, from its note."""

    def __init__(self, app: ASGIApp, *, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        note = RequestNote(request_id=scope.get("state", {}).get("request_id", ""))
        token = open_note(note)
        status: list[int] = []

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        tracing = self.telemetry.tracing
        try:
            if tracing is None:
                await self._serve(scope, receive, send_noting_status, status)
            else:
                with tracing.request_span(scope, status):
                    await self._serve(scope, receive, send_noting_status, status)
        finally:
            close_note(token)
            self._done(scope, note, status[0] if status else 500,
                       time.perf_counter() - started)

    async def _serve(self, scope: Scope, receive: Receive, send: Send,
                     status: list[int]) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseException:
            if not status:
                status.append(500)
            raise

    def _done(self, scope: Scope, note: RequestNote, status: int, seconds: float) -> None:
        outcome = outcome_of(status, note)
        route = route_of(scope)
        metrics = self.telemetry.metrics
        if metrics is not None and route != self.telemetry.metrics_path:
            metrics.count_request(route=route, operation=note.operation,
                                  root_field=note.root_field, outcome=outcome,
                                  seconds=seconds)
        if self.telemetry.access_log:
            client = scope.get("client")
            method, path = scope.get("method", ""), scope.get("path", "")
            # In ACCESS_FIELDS' order (the order of the JSON line's keys).
            write_access_line(f"{method} {path} {status}", note.request_id, {
                "method": method, "path": path, "status": status,
                "duration_ms": int(seconds * 1_000_000) / 1000,
                "client": f"{client[0]}:{client[1]}" if client else None,
                "http_version": scope.get("http_version"),
                "operation": note.operation, "root_field": note.root_field,
                "outcome": outcome, "token_name": note.principal,
                "trajectory_id": note.trajectory_id})
