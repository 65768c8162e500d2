"""OpenTelemetry traces, with the optional `otel` extra.

When `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and
the extra is installed, each worker exports spans by OTLP over HTTP: one for each HTTP
request (a child of the caller's `traceparent`, if it sent one), GraphQL's parse,
validate and execute phases inside it (strawberry's OpenTelemetry extension, without
its per-field spans), the command of each mutation, and each save to the database. The
standard variables apply (`OTEL_SERVICE_NAME`, default "decisionlog";
`OTEL_RESOURCE_ATTRIBUTES`; `OTEL_EXPORTER_OTLP_HEADERS`, `..._TIMEOUT`, ...;
`OTEL_TRACES_SAMPLER` and `..._ARG`; `OTEL_SDK_DISABLED=true` turns it off).

Without the endpoint nothing of OpenTelemetry is imported; with the endpoint but without
the extra, the worker says so once in its log and serves without traces.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Final

from strawberry.extensions import SchemaExtension

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer
    from starlette.types import Scope

logger = logging.getLogger("decisionlog.operations")

ENDPOINT_VARIABLES: Final = ("OTEL_EXPORTER_OTLP_ENDPOINT",
                             "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
SERVICE_NAME: Final = "decisionlog"


def tracing_wanted() -> bool:
    """Whether the environment asks for traces (an OTLP endpoint, the SDK not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


class Tracing:
    """A tracer of decisionlog's spans, from one tracer provider."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry import trace

        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("decisionlog")
        self._trace = trace

    @classmethod
    def from_env(cls) -> Tracing | None:
        """Tracing exported by OTLP when the environment asks for it and the extra is
        installed; None otherwise."""
        if not tracing_wanted():
            return None
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter,
            )
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not "
                           "installed: no traces (install decisionlog[otel]).")
            return None
        provider = _provider()
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        return cls(provider)

    @classmethod
    def with_exporter(cls, exporter: SpanExporter) -> Tracing:
        """Tracing that hands each span to `exporter` as it ends (tests)."""
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        provider = _provider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return cls(provider)

    def span(self, name: str) -> AbstractContextManager[Any]:
        """An internal span, a child of the current one."""
        return self.tracer.start_as_current_span(name)

    @contextmanager
    def request_span(self, scope: Scope, status: list[int]) -> Iterator[None]:
        """The server span of one HTTP request; `status` holds the answer's status code
        when the block ends."""
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind, Status, StatusCode

        headers = {name.decode("latin-1"): value.decode("latin-1")
                   for name, value in scope.get("headers") or ()}
        method = scope.get("method", "GET")
        with self.tracer.start_as_current_span(
                f"{method} {scope.get('path', '')}", context=extract(headers),
                kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("url.path", scope.get("path", ""))
            try:
                yield
            finally:
                route = scope.get("route")
                path = getattr(route, "path", None)
                if path:
                    span.set_attribute("http.route", path)
                    span.update_name(f"{method} {path}")
                if status:
                    span.set_attribute("http.response.status_code", status[0])
                    if status[0] >= 500:
                        span.set_status(Status(StatusCode.ERROR))

    def graphql_extension(self) -> type[SchemaExtension]:
        """Strawberry's OpenTelemetry extension on this provider, with an execute span
        and without its per-field spans (which would make every field asynchronous)."""
        return graphql_extension(self.provider)

    def shutdown(self) -> None:
        """Export what is left and stop."""
        self.provider.shutdown()


def _provider() -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or SERVICE_NAME
    return TracerProvider(resource=Resource.create({"service.name": name}))


def graphql_extension(provider: TracerProvider) -> type[SchemaExtension]:
    """The extension class (strawberry makes one instance per operation)."""
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind
    from strawberry.extensions import LifecycleStep
    from strawberry.extensions.tracing import OpenTelemetryExtension

    class GraphQLSpans(OpenTelemetryExtension):
        """Spans of an operation and of its parse, validate and execute phases."""

        resolve = SchemaExtension.resolve  # type: ignore[assignment]

        def __init__(self, *, execution_context: Any = None) -> None:
            super().__init__(execution_context=execution_context, tracer_provider=provider)

        def on_operation(self) -> Generator[None, None, None]:
            # The query text is left out: literal values in it may be personal data.
            span = self._tracer.start_span("GraphQL Operation", kind=SpanKind.INTERNAL)
            self._span_holder[LifecycleStep.OPERATION] = span
            yield
            context = self.execution_context
            name = context.operation_name
            if name:
                span.set_attribute("graphql.operation.name", name)
                span.update_name(f"GraphQL Operation: {name}")
            try:
                kind = context.operation_type.value
            except Exception:  # a document that did not parse
                kind = None
            if kind:
                span.set_attribute("graphql.operation.type", kind)
            span.end()

        def on_execute(self) -> Generator[None, None, None]:
            parent = trace.set_span_in_context(self._span_holder[LifecycleStep.OPERATION])
            span: Span = self._tracer.start_span("GraphQL Execution", context=parent)
            token = _attach(parent, span)
            try:
                yield
            finally:
                _detach(token)
                span.end()

    return GraphQLSpans


def _attach(parent: Any, span: Span) -> object:
    """Make `span` current, so that the command and save spans nest under execution."""
    from opentelemetry import context, trace

    return context.attach(trace.set_span_in_context(span, parent))


def _detach(token: object) -> None:
    from opentelemetry import context

    context.detach(token)  # type: ignore[arg-type]
