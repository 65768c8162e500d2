"""Prometheus metrics of one worker, or of every worker in multiprocess mode.

With one worker the metrics live in the app's own registry (two apps in one process
share none), with the process's CPU, memory and garbage-collector figures beside them.
With several, `decisionlog serve --metrics` gives the workers a shared directory
(`PROMETHEUS_MULTIPROC_DIR`, emptied at start): each worker writes its values to files
there, and a scrape of any worker adds up every worker's (prometheus-client's
multiprocess mode). Gauges say how they combine: the read models' lag is the largest any
live worker saw, open websockets and subscriptions are summed over live workers.

Every name, label and meaning is listed in docs/operations.md; the Grafana dashboard in
docs/grafana-dashboard.json uses them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

MULTIPROCESS_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
MAX_OPERATION_NAMES: Final = 200  # distinct operation names per worker; then "other"
OTHER: Final = "other"
MAX_CACHED_CHILDREN: Final = 4096  # label sets whose series are kept at hand
# Seconds: from half a millisecond (a cached read) to ten seconds.
LATENCY_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                          0.5, 1.0, 2.5, 5.0, 10.0)
SAVE_BUCKETS: Final = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                       0.1, 0.25, 0.5, 1.0)
BATCH_BUCKETS: Final = (1, 2, 4, 8, 16, 32, 64, 128, 256)


def multiprocess_directory() -> Path | None:
    """The multiprocess directory the workers share, if one is set."""
    value = os.environ.get(MULTIPROCESS_VARIABLE, "").strip()
    return Path(value) if value else None


def prepare_multiprocess_directory(directory: Path) -> None:
    """Create the directory, or empty it of an earlier run's files (a counter read from
    a dead run's file would count twice)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


class OperationNames:
    """Bounds the `operation` label: operation names are chosen by clients, so after
    `MAX_OPERATION_NAMES` distinct ones a worker counts any new name as "other"."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str) -> str:
        if name in self._seen:
            return name
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(name)
        return name


class Metrics:
    """The instruments; `render()` is what `GET /metrics` answers."""

    def __init__(self, *, backend: str = "", multiprocess: Path | None = None) -> None:
        self.multiprocess = multiprocess
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series
        registry = None if multiprocess is not None else CollectorRegistry()
        self.registry = registry
        if registry is not None:
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
            GCCollector(registry=registry)
        self.operation_names = OperationNames()
        self._request_children: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
        self.requests = Counter(
            "decisionlog_http_requests", "HTTP requests answered, by route, GraphQL "
            "operation name, first root field and outcome (ok, a typed error's "
            "__typename, graphql_error, 4xx, 5xx).",
            ["route", "operation", "root_field", "outcome"], registry=registry)
        self.latency = Histogram(
            "decisionlog_http_request_duration_seconds", "Time from a request's arrival "
            "to the end of its answer, by route and first root field.",
            ["route", "root_field"], buckets=LATENCY_BUCKETS, registry=registry)
        self.commands = Counter(
            "decisionlog_commands", "Mutations' commands answered, by command and outcome "
            "(stored, repeated: an idempotent repeat, or a typed error's __typename).",
            ["command", "outcome"], registry=registry)
        self.events = Counter("decisionlog_events_stored", "Events stored.",
                              registry=registry)
        self.saves = Histogram(
            "decisionlog_store_save_seconds", "Time to store one transaction of events "
            "(with its read-model rows), by backend.", ["backend"],
            buckets=SAVE_BUCKETS, registry=registry).labels(backend)
        self.batches = Histogram(
            "decisionlog_group_commit_batch_size", "Command requests stored together in "
            "one group-commit transaction.", buckets=BATCH_BUCKETS, registry=registry)
        self.cache_lookups = Counter(
            "decisionlog_cache_lookups", "Lookups in the aggregate cache (aggregates), "
            "the query result cache (results) and the token cache (tokens), by result.",
            ["cache", "result"], registry=registry)
        self._cache_children = {
            (cache, hit): self.cache_lookups.labels(cache, "hit" if hit else "miss")
            for cache in ("aggregates", "results", "tokens") for hit in (True, False)}
        self.lag = Gauge(
            "decisionlog_readmodel_lag_events", "Events the read models are behind the "
            "event log (nonzero while they are rebuilt or caught up).",
            registry=registry, multiprocess_mode="livemax")
        self.rebuilding = Gauge(
            "decisionlog_readmodel_rebuilding", "1 while the read models are being "
            "rebuilt or caught up (by this worker or another process).",
            registry=registry, multiprocess_mode="livemax")
        self.websockets = Gauge(
            "decisionlog_websocket_connections", "Open websocket connections.",
            registry=registry, multiprocess_mode="livesum")
        self.subscriptions = Gauge(
            "decisionlog_websocket_subscriptions", "Open GraphQL subscriptions.",
            registry=registry, multiprocess_mode="livesum")

    def count_request(self, *, route: str, operation: str, root_field: str, outcome: str,
                      seconds: float) -> None:
        key = (route, operation, root_field, outcome)
        children = self._request_children.get(key)
        if children is None:  # labels() checks and locks: done once per label set
            label = self.operation_names.label(operation) if operation else ""
            children = (self.requests.labels(route, label, root_field, outcome),
                        self.latency.labels(route, root_field))
            if len(self._request_children) < MAX_CACHED_CHILDREN:
                self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_cache_lookup(self, cache: str, hit: bool) -> None:
        child = self._cache_children.get((cache, hit))
        if child is not None:
            child.inc()

    def render(self) -> bytes:
        """The text exposition format: this worker's metrics, or every worker's."""
        if self.multiprocess is None:
            assert self.registry is not None
            return generate_latest(self.registry)
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.multiprocess))  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def worker_exited(self) -> None:
        """Drop this worker's live gauges from the shared directory (its counters stay
        and go on counting in the totals)."""
        if self.multiprocess is not None:
            from prometheus_client.multiprocess import mark_process_dead

            mark_process_dead(os.getpid(),  # type: ignore[no-untyped-call]
                              path=str(self.multiprocess))
