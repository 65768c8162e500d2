"""`Telemetry`: metrics, the JSON access log and traces of one app, and their wiring.

`create_app` makes one from the environment (`OperationsSettings`, which `decisionlog
serve` fills from `--metrics` and `--log-format`) and calls `install`: the layers below
report to it (`infrastructure.observer.Observer`), the request middleware counts each
request, `/metrics` answers when metrics are on. When all three are off nothing is
installed: no middleware, no observer, no extension.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from eventsourcing.application import Cache
from eventsourcing.utils import strtobool
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from decisionlog.infrastructure.observer import AGGREGATES, NO_OBSERVER, Observer
from decisionlog.operations.logs import FORMATS
from decisionlog.operations.metrics import CONTENT_TYPE, Metrics, multiprocess_directory
from decisionlog.operations.tracing import Tracing

if TYPE_CHECKING:
    from starlette.requests import Request

    from decisionlog.application import DecisionLog
    from decisionlog.readmodels import ViewsKeeper

logger = logging.getLogger("decisionlog.operations")

METRICS_VARIABLE: Final = "DECISIONLOG_METRICS"
METRICS_TOKEN_VARIABLE: Final = "DECISIONLOG_METRICS_TOKEN"
LOG_FORMAT_VARIABLE: Final = "DECISIONLOG_LOG_FORMAT"
METRICS_PATH: Final = "/metrics"
SAMPLE_SECONDS: Final = 1.0  # how often the gauges are read


@dataclass(frozen=True)
class OperationsSettings:
    """What `decisionlog serve` passes to its workers about metrics and logs."""

    metrics: bool = False
    metrics_token: str | None = None
    log_format: str = "text"

    @classmethod
    def from_env(cls) -> OperationsSettings:
        log_format = os.environ.get(LOG_FORMAT_VARIABLE, "").strip().lower() or "text"
        return cls(
            metrics=strtobool(os.environ.get(METRICS_VARIABLE, "").strip() or "n"),
            metrics_token=os.environ.get(METRICS_TOKEN_VARIABLE, "").strip() or None,
            log_format=log_format if log_format in FORMATS else "text")

    def to_env(self) -> dict[str, str]:
        """The variables that give these settings (the token is left where it was)."""
        return {METRICS_VARIABLE: "1" if self.metrics else "0",
                LOG_FORMAT_VARIABLE: self.log_format}


class Telemetry(Observer):
    """The observer of one app: Prometheus metrics and OpenTelemetry spans, as on."""

    def __init__(self, *, metrics: Metrics | None = None, tracing: Tracing | None = None,
                 access_log: bool = False, metrics_token: str | None = None) -> None:
        self.metrics = metrics
        self.tracing = tracing
        self.access_log = access_log
        self.metrics_token = metrics_token
        self.metrics_path = METRICS_PATH
        self.count_subscriptions: Callable[[], int] | None = None  # filled by subscriptions
        self.count_websockets: Callable[[], int] | None = None
        self.keeper: ViewsKeeper | None = None
        self._sampler: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls, *, backend: str = "") -> Telemetry:
        settings = OperationsSettings.from_env()
        return cls(
            metrics=Metrics(backend=backend, multiprocess=multiprocess_directory())
            if settings.metrics else None,
            tracing=Tracing.from_env(), access_log=settings.log_format == "json",
            metrics_token=settings.metrics_token)

    @property
    def active(self) -> bool:
        return self.metrics is not None or self.tracing is not None or self.access_log

    # Observer

    def events_saved(self, events: int, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.events.inc(events)
            self.metrics.saves.observe(seconds)

    def batch_committed(self, requests: int) -> None:
        if self.metrics is not None:
            self.metrics.batches.observe(requests)

    def cache_lookup(self, cache: str, hit: bool) -> None:
        if self.metrics is not None:
            self.metrics.count_cache_lookup(cache, hit)

    def command_answered(self, command: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.commands.labels(command, outcome).inc()

    def span(self, name: str) -> AbstractContextManager[Any]:
        if self.tracing is not None:
            return self.tracing.span(name)
        return super().span(name)

    # Gauges

    def sample(self) -> None:
        """Read the gauges' values now (the read models' lag, open websockets and
        subscriptions)."""
        metrics = self.metrics
        if metrics is None:
            return
        if self.keeper is not None:
            status = self.keeper.status()
            metrics.lag.set(status.behind)
            metrics.rebuilding.set(1 if status.behind and status.state == "rebuilding"
                                   else 0)
        if self.count_websockets is not None:
            metrics.websockets.set(self.count_websockets())
        if self.count_subscriptions is not None:
            metrics.subscriptions.set(self.count_subscriptions())

    def start(self) -> None:
        """Start reading the gauges every second (in multiprocess mode a scrape is
        answered by one worker, so each keeps its own values current)."""
        if self.metrics is not None and self._sampler is None:
            self._sampler = asyncio.get_running_loop().create_task(self._sample_forever())

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        if self.metrics is not None:
            self.metrics.worker_exited()
        if self.tracing is not None:
            self.tracing.shutdown()

    async def _sample_forever(self) -> None:
        while True:
            try:
                self.sample()
            except Exception:  # a gauge is not worth a worker
                logger.exception("Reading the gauges failed.")
            await asyncio.sleep(SAMPLE_SECONDS)

    # GET /metrics

    def routes(self) -> list[Route]:
        """`GET /metrics` when metrics are on; nothing otherwise."""
        if self.metrics is None:
            return []
        return [Route(self.metrics_path, self.metrics_endpoint, methods=["GET"])]

    async def metrics_endpoint(self, request: Request) -> Response:
        metrics = self.metrics
        assert metrics is not None  # the route exists only then
        if self.metrics_token is not None and not _token_matches(
                request.headers.get("authorization"), self.metrics_token):
            return JSONResponse(
                {"errors": [{"message": "/metrics needs its own token: send "
                             "'Authorization: Bearer' and DECISIONLOG_METRICS_TOKEN.",
                             "extensions": {"code": "UNAUTHENTICATED"}}]},
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        self.sample()
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=CONTENT_TYPE.split(";")[0],
                        headers={"content-type": CONTENT_TYPE})


def _token_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


class CountingCache(Cache[Any, Any]):
    """eventsourcing's aggregate cache, counting hits and misses of its lookups."""

    def __init__(self, inner: Cache[Any, Any], observer: Observer) -> None:
        super().__init__()
        self.inner = inner
        self.observer = observer

    def get(self, key: Any, *, evict: bool = False) -> Any:
        if evict:
            return self.inner.get(key, evict=True)
        try:
            value = self.inner.get(key)
        except KeyError:
            self.observer.cache_lookup(AGGREGATES, False)
            raise
        self.observer.cache_lookup(AGGREGATES, True)
        return value

    def put(self, key: Any, value: Any) -> None:
        self.inner.put(key, value)


def install(telemetry: Telemetry, *, log: DecisionLog, authenticator: Any,
            keeper: ViewsKeeper, websockets: Callable[[], int] | None = None) -> None:
    """Make the app's parts report to `telemetry` (when anything is on)."""
    if not telemetry.active:
        return
    telemetry.keeper = keeper
    telemetry.count_websockets = websockets
    log.observer = telemetry
    authenticator.observer = telemetry
    cache = log.repository.cache
    if cache is not None and not isinstance(cache, CountingCache):
        log.repository.cache = CountingCache(cache, telemetry)


def uninstall(log: DecisionLog) -> None:
    """Stop reporting (the app is closing)."""
    log.observer = NO_OBSERVER
