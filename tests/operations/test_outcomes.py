"""The request middleware's outcome of answers that never reach GraphQL's own noting:
an exception escaping the app is a 500 counted and logged as `5xx`, a 503 too, a 404
`4xx` on the `unmatched` route."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from decisionlog.operations.logs import ACCESS_LOGGER, JSONFormatter
from decisionlog.operations.metrics import Metrics
from decisionlog.operations.requests import RequestTelemetry
from decisionlog.operations.telemetry import Telemetry
from tests.operations.service import parse, value

REQUESTS = "decisionlog_http_requests_total"


async def broken(request: Request) -> Response:
    raise RuntimeError("a bug")


async def unavailable(request: Request) -> Response:
    return PlainTextResponse("not now", status_code=503)


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def test_server_errors_and_unmatched_paths_are_counted_and_logged(
        access_lines: io.StringIO) -> None:
    telemetry = Telemetry(metrics=Metrics(), access_log=True)
    app = Starlette(routes=[Route("/broken", broken), Route("/busy", unavailable)])
    app.add_middleware(RequestTelemetry, telemetry=telemetry)

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [(await client.get(path)).status_code
                    for path in ("/broken", "/busy", "/nowhere")]

    assert asyncio.run(run()) == [500, 503, 404]
    assert telemetry.metrics is not None
    samples = parse(telemetry.metrics.render().decode())
    for route, outcome in (("/broken", "5xx"), ("/busy", "5xx"), ("unmatched", "4xx")):
        assert value(samples, REQUESTS, route=route, operation="", root_field="",
                     outcome=outcome) == 1, (route, samples)
    lines = [json.loads(line) for line in access_lines.getvalue().splitlines()]
    assert [(line["path"], line["status"], line["outcome"]) for line in lines] == [
        ("/broken", 500, "5xx"), ("/busy", 503, "5xx"), ("/nowhere", 404, "4xx")]
