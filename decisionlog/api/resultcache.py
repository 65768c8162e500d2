"""Whole query answers, reused while what they depend on stays unchanged; and the
facts an answer's ETag is made of.

Client tools poll and dashboards fan out: the same query, again and again, between
writes. graphql-core spends about 8 us on every field it resolves, so a 100-field answer
costs several times a trivial query. This cache keeps each answer with its dependencies
(`dependencies.py`) and answers a repeat after checking that they still hold: over HTTP
from the encoded bytes, before strawberry (`fastpath.py`); over a websocket or in
process, from the `ExecutionResult`, here. A write moves a version, so a query after a
mutation sees it (read-your-writes), on any worker.

An answer is kept, and tagged (`etag.py`), only when
- the operation is a query and every root field it may select is in `ROOT_FIELDS`
  (a field not there, such as `auditLog` and `verifyTrajectory`, which read the stored
  rows as they are in order to show damage, or any new field until it is reviewed,
  makes the answer untagged and not kept);
- nothing it ran called `uncacheable()`: what depends on the clock (a "now" default,
  what is due) or on lagging read models (`freshnessnote.py`) does;
- it has no errors.
Under `Trajectory`, every field must be a function of the trajectory's state, its
arguments and the principal (a test lists them, reviewed). Answers that depend on
nothing (`{ __typename }`, introspection) are tagged but not kept: they cost little.

The key is the document, the operation name, the variables and the principal (so field
permissions hold). A cache belongs to one app (`create_app` makes it): at most
`DECISIONLOG_RESULT_CACHE_SIZE` answers (default 256; 0: off), and at most its byte
bound (`Settings.cache_bytes`), each counted by `sizes.approximate_size` (its bytes
too); an answer over an eighth of the bound is not kept.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from graphql import ExecutionResult
from starlette.requests import Request
from strawberry.extensions import SchemaExtension

from decisionlog.api.cacheplan import Plan, plan_of, variables_key
from decisionlog.api.dependencies import (
    Dependency,
    TrajectoryState,
    scope_dependencies,
    state_watch,
)
from decisionlog.api.etag import EtagSigner
from decisionlog.api.sizes import approximate_size
from decisionlog.infrastructure.lru import BoundedLRU
from decisionlog.infrastructure.observer import RESULTS

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

    from decisionlog.application import DecisionLog
    from decisionlog.auth.principal import Principal
    from decisionlog.domain.trajectory import Trajectory

SIZE_VARIABLE: Final = "DECISIONLOG_RESULT_CACHE_SIZE"
DEFAULT_SIZE: Final = 256
ANSWER_STATE: Final = "graphql_answer"  # request.state attribute the HTTP layer reads

Key = tuple[str, str | None, bytes, "Principal"]


@dataclass
class _Reads:
    """The dependencies one execution read, and whether its answer may be kept."""

    states: dict[Any, Dependency] = field(default_factory=dict)
    cacheable: bool = True

    def add(self, dependency: Dependency) -> None:
        name = dependency.trajectory_id if isinstance(dependency, TrajectoryState) \
            else type(dependency)
        if self.states.setdefault(name, dependency) != dependency:
            self.cacheable = False  # read in two states during one execution


_reads: ContextVar[_Reads | None] = ContextVar("decisionlog_result_reads", default=None)


def depends_on(trajectory: Trajectory) -> None:
    """Record that the answer being computed read this trajectory in this state."""
    depends_on_state(TrajectoryState(trajectory.id, trajectory.version,
                                     trajectory.head_digest))


def depends_on_state(state: TrajectoryState) -> None:
    """Record that the answer being computed holds while the trajectory is in `state`
    (version 0: while it does not exist)."""
    reads = _reads.get()
    if reads is not None:
        reads.add(state)


def uncacheable() -> None:
    """Keep the answer being computed out of the cache, and give it no ETag."""
    reads = _reads.get()
    if reads is not None:
        reads.cacheable = False


@dataclass
class Entry:
    """A kept answer: the result, what it depends on, its tag, and once sent over HTTP
    its bytes. `mark` is the store's mark (`StateWatch.mark`) when it was last known
    current."""

    result: ExecutionResult
    dependencies: tuple[Dependency, ...]
    tag: str
    mark: int | None
    body: bytes | None = None


@dataclass(frozen=True)
class Answer:
    """What the HTTP layer needs of a taggable answer: its tag and, when kept, the
    entry to give its bytes to."""

    tag: str
    entry: Entry | None


@dataclass
class Counts:
    """What the cache did, since the app started (for metrics)."""

    hits: int = 0  # answered from the cache (bytes or result)
    misses: int = 0  # cacheable, not found (or stale): executed
    stale: int = 0  # found, but something it depends on had changed
    not_modified: int = 0  # GETs answered 304 Not Modified

    def as_dict(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "stale": self.stale,
                "not_modified": self.not_modified}


class ResultCache:
    """Answers with the dependencies they were computed from, for one app."""

    def __init__(self, *, max_entries: int = DEFAULT_SIZE, max_bytes: int | None = None
                 ) -> None:
        self.entries: BoundedLRU[Key, Entry] = BoundedLRU(max_entries, max_bytes=max_bytes)
        self.counts = Counts()
        self._signers: weakref.WeakKeyDictionary[DecisionLog, EtagSigner] = \
            weakref.WeakKeyDictionary()
        self._schema_text: str | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.entries.maxsize > 0

    def extension(self) -> StateResultCache:
        """A new extension instance (one per request) over this cache."""
        return StateResultCache(self)

    def current(self, key: Key, app: DecisionLog, *, with_body: bool = False
                ) -> Entry | None:
        """The entry under `key` if everything it depends on still holds (a stale one
        is dropped); with `with_body`, only an entry whose bytes are kept."""
        entry = self.entries.get(key)
        if entry is None or (with_body and entry.body is None):
            return None
        watch = state_watch(app)
        if not watch.unchanged_since(entry.mark):
            mark = watch.mark()  # before the reads
            if not watch.all_current(entry.dependencies):
                self.entries.discard(key)
                self.counts.stale += 1
                return None
            entry.mark = mark
        self.counts.hits += 1
        return entry

    def signer(self, app: DecisionLog, schema: Any) -> EtagSigner:
        """The tag signer of an app's answers (its key is read from the store once)."""
        with self._lock:
            signer = self._signers.get(app)
            if signer is None:
                if self._schema_text is None:
                    self._schema_text = str(schema)
                signer = self._signers[app] = EtagSigner.of(app, self._schema_text)
            return signer


class StateResultCache(SchemaExtension):
    """Answers a repeated query from the cache while what it read is unchanged; keeps
    and tags the answers that may be."""

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        plan = plan_of(context)
        if plan is None:
            yield
            return
        app: DecisionLog = context.context.app
        key: Key = (plan.query, plan.operation_name, plan.variables, plan.principal)
        cache = self.cache
        entry = cache.current(key, app) if cache.enabled else None
        if entry is not None:
            app.observer.cache_lookup(RESULTS, True)
            context.result = entry.result
            _note(context, Answer(entry.tag, entry))
            yield
            return
        app.observer.cache_lookup(RESULTS, False)
        mark = state_watch(app).mark()  # before anything is read
        reads = _Reads()
        if plan.reads_scope:  # lists: the scope's state before they are read
            scope = scope_dependencies(app, plan.principal)
            if scope is None:
                reads.cacheable = False
            for dependency in scope or ():
                reads.add(dependency)
        token = _reads.set(reads)
        try:
            yield
        finally:
            _reads.reset(token)
        result = context.result
        if not (reads.cacheable and isinstance(result, ExecutionResult)
                and not result.errors and result.data is not None):
            return
        dependencies = tuple(reads.states.values())
        tag = cache.signer(app, context.schema).base(
            query=plan.query, operation_name=plan.operation_name, variables=plan.variables,
            principal=plan.principal, dependencies=dependencies)
        kept = None
        if dependencies and cache.enabled:
            cache.counts.misses += 1
            kept = Entry(result, dependencies, tag, mark)
            cache.entries.put(key, kept, size=approximate_size((key, result.data)) * 2)
        _note(context, Answer(tag, kept))


def _note(context: ExecutionContext, answer: Answer) -> None:
    """Leave the answer's tag (and entry) for the HTTP layer (`fastpath.py`)."""
    request = getattr(context.context, "request", None)
    if isinstance(request, Request):
        setattr(request.state, ANSWER_STATE, answer)


__all__ = ["Answer", "Entry", "Plan", "ResultCache", "depends_on", "depends_on_state",
           "uncacheable", "variables_key"]
