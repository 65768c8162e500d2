"""Traces: a real uvicorn (in this process, so that OpenTelemetry's in-memory exporter
sees what it exports) gives a mutation's spans nested as a reader expects; without the
endpoint nothing of OpenTelemetry is imported, and without the extra the service serves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from decisionlog.api.app import create_app
from decisionlog.api.serving import uvicorn_options
from decisionlog.application import DecisionLog
from decisionlog.auth import token_store
from decisionlog.operations.telemetry import Telemetry
from decisionlog.operations.tracing import Tracing
from tests.e2e.client import free_port

pytest.importorskip("opentelemetry.sdk")
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

START = ("mutation Start { startTrajectory(input: {name: \"Traced\"}) { __typename } }")


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[str, str, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    url = f"sqlite:///{tmp_path}/decisionlog.db"
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                           "SQLITE_DBNAME": str(tmp_path / "decisionlog.db")})
    token = token_store(log).create(name="tracer", role="facilitator", trajectories=[])
    log.close()
    app = create_app(url, telemetry=Telemetry(tracing=Tracing.with_exporter(exporter)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", **uvicorn_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", token, exporter
    finally:
        server.should_exit = True
        thread.join(30)


def test_a_mutation_is_traced_from_the_request_to_the_save(
        traced: tuple[str, str, InMemorySpanExporter]) -> None:
    url, token, exporter = traced
    exporter.clear()
    response = httpx.post(f"{url}/graphql", json={"query": START},
                          headers={"Authorization": f"Bearer {token}",
                                   "traceparent": "00-0af7651916cd43dd8448eb211c80319c-"
                                                  "b7ad6b7169203331-01"})
    assert response.status_code == 200
    spans = {span.name: span for span in exporter.get_finished_spans()}

    def parent(span: ReadableSpan) -> ReadableSpan:
        assert span.parent is not None, span.name
        return next(s for s in spans.values()
                    if s.context is not None and s.context.span_id == span.parent.span_id)

    request = spans["POST /graphql"]
    assert request.attributes is not None and request.attributes["http.route"] == "/graphql"
    assert request.attributes["http.response.status_code"] == 200
    assert request.context is not None
    assert f"{request.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    operation = spans["GraphQL Operation: Start"]
    assert parent(operation) is request
    assert parent(spans["GraphQL Parsing"]) is operation
    assert parent(spans["GraphQL Validation"]) is operation
    execution = spans["GraphQL Execution"]
    assert parent(execution) is operation
    command = spans["decisionlog.command StartTrajectory"]
    assert parent(command) is execution
    save = spans["decisionlog.save"]
    assert parent(save) is command
    assert all(not name.startswith("GraphQL Resolving") for name in spans)


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=120)


def test_without_an_endpoint_nothing_of_opentelemetry_is_imported(tmp_path: Path) -> None:
    done = _run(f"""
        import sys
        from starlette.testclient import TestClient
        from decisionlog.api.app import create_app
        app = create_app("sqlite:///{tmp_path}/decisionlog.db")
        with TestClient(app) as client:
            assert client.get("/health").status_code == 200
        assert app.state.telemetry.tracing is None
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
    """, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extra_an_endpoint_is_reported_and_the_service_serves(
        tmp_path: Path) -> None:
    done = _run(f"""
        import importlib.abc, logging, sys

        class NoOpenTelemetry(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] == "opentelemetry":
                    raise ImportError(name)
                return None

        sys.meta_path.insert(0, NoOpenTelemetry())
        logging.basicConfig(level=logging.WARNING, stream=sys.stdout)
        from starlette.testclient import TestClient
        from decisionlog.api.app import create_app
        app = create_app("sqlite:///{tmp_path}/decisionlog.db")
        with TestClient(app) as client:
            assert client.get("/health").status_code == 200
        assert app.state.telemetry.tracing is None
        assert app.state.telemetry.active is False
    """, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
              "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert done.returncode == 0, done.stderr
    assert "OpenTelemetry is not installed" in done.stdout


def test_the_real_server_exports_by_otlp_where_the_standard_variables_say(
        tmp_path: Path) -> None:
    import http.server

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    from tests.e2e.client import Server

    received: list[tuple[str, bytes]] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((self.path, body))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    server = Server(f"sqlite:///{tmp_path}/decisionlog.db", extra_env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_port}",
        "OTEL_SERVICE_NAME": "decisionlog-test", "OTEL_BSP_SCHEDULE_DELAY": "100"})
    try:
        token = server.create_token("facilitator", name="otlp")
        server.start()
        assert server.client(token).execute(START)["startTrajectory"]["__typename"] \
            == "TrajectoryPayload"
        deadline = time.monotonic() + 30
        names: set[str] = set()
        while "decisionlog.save" not in names and time.monotonic() < deadline:
            time.sleep(0.1)
            for path, body in list(received):
                assert path == "/v1/traces"
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    service = {a.key: a.value.string_value
                               for a in resource.resource.attributes}["service.name"]
                    assert service == "decisionlog-test"
                    names |= {s.name for scope in resource.scope_spans for s in scope.spans}
        assert {"POST /graphql", "GraphQL Operation: Start", "decisionlog.save"} <= names
    finally:
        server.close()
        collector.shutdown()
