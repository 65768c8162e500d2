"""Whole query results, reused while the trajectories they read stay unchanged.

Client tools poll and dashboards fan out: the same query about the same trajectory, again
and again, between writes. graphql-core spends about 8 us on every field it resolves,
so a 100-field answer costs several times a trivial query. This cache answers a repeat
from the result it kept, after checking that every trajectory it read is still at the
same version and head digest: one read of each (the aggregate cache's fast-forward, the
first thing the uncached path does too). A write moves the version, so a query after a
mutation sees it (read-your-writes), on any worker.

A result is kept only when
- the operation is a query whose root fields are all in `CACHEABLE_ROOT_FIELDS`;
- every trajectory it read came through `depends_on` (the `trajectory` resolver) in its
  current state: `asOf`, unknown ids and refusals call `uncacheable()`;
- it has no errors.
The key is the document, the operation name, the variables and the principal (so field
permissions hold). Everything under `Trajectory` must be a function of the trajectory's
state and the principal: a field that reads anything else (read models, the clock,
other trajectories) must call `uncacheable()`.

A cache belongs to one app (`create_app` makes it): at most
`DECISIONLOG_RESULT_CACHE_SIZE` results (default 256; 0: off), and at most its byte bound
(`Settings.cache_bytes`), each result counted by `sizes.approximate_size`; a result over an
eighth of the bound is not kept (300 results of 1 MB each had pinned 1.13 GB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import orjson
from graphql import ExecutionResult, FieldNode, OperationDefinitionNode, OperationType
from strawberry.extensions import SchemaExtension

from decisionlog.api.sizes import approximate_size
from decisionlog.infrastructure.lru import BoundedLRU
from decisionlog.infrastructure.observer import RESULTS

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

    from decisionlog.application import DecisionLog
    from decisionlog.domain.trajectory import Trajectory

SIZE_VARIABLE: Final = "DECISIONLOG_RESULT_CACHE_SIZE"
DEFAULT_SIZE: Final = 256
CACHEABLE_ROOT_FIELDS: Final = frozenset({"trajectory", "__typename"})

State = tuple[UUID, int, str]  # trajectory id, version, head digest


@dataclass
class _Reads:
    """The trajectory states one execution read, and whether its result may be kept."""

    states: dict[UUID, tuple[int, str]] = field(default_factory=dict)
    cacheable: bool = True


_reads: ContextVar[_Reads | None] = ContextVar("decisionlog_result_reads", default=None)


def depends_on(trajectory: Trajectory) -> None:
    """Record that the result being computed read this trajectory in its current state."""
    reads = _reads.get()
    if reads is not None:
        state = (trajectory.version, trajectory.head_digest)
        if reads.states.setdefault(trajectory.id, state) != state:
            reads.cacheable = False


def uncacheable() -> None:
    """Keep the result being computed out of the cache."""
    reads = _reads.get()
    if reads is not None:
        reads.cacheable = False


@dataclass(frozen=True)
class _Entry:
    result: ExecutionResult
    states: tuple[State, ...]


class ResultCache:
    """Results with the trajectory states they were computed from, for one app."""

    def __init__(self, *, max_entries: int = DEFAULT_SIZE, max_bytes: int | None = None
                 ) -> None:
        self.entries: BoundedLRU[tuple[Any, ...], _Entry] = BoundedLRU(
            max_entries, max_bytes=max_bytes)

    def extension(self) -> StateResultCache:
        """A new extension instance (one per request) over this cache."""
        return StateResultCache(self)


class StateResultCache(SchemaExtension):
    """Answers a repeated query from the cache while what it read is unchanged."""

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache.entries

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        cache = self.cache
        key = _key(context) if cache.maxsize > 0 else None
        if key is None:
            yield
            return
        app: DecisionLog = context.context.app
        entry = cache.get(key)
        if entry is not None:
            if _current(app, entry.states):
                app.observer.cache_lookup(RESULTS, True)
                context.result = entry.result
                yield
                return
            cache.discard(key)
        app.observer.cache_lookup(RESULTS, False)
        reads = _Reads()
        token = _reads.set(reads)
        try:
            yield
        finally:
            _reads.reset(token)
        result = context.result
        if (reads.cacheable and reads.states and isinstance(result, ExecutionResult)
                and not result.errors and result.data is not None):
            states = tuple((i, v, d) for i, (v, d) in reads.states.items())
            cache.put(key, _Entry(result, states),
                      size=approximate_size((key, result.data)))


def _current(app: DecisionLog, states: tuple[State, ...]) -> bool:
    for trajectory_id, version, digest in states:
        trajectory = app.get_trajectory(trajectory_id)
        if trajectory is None or trajectory.version != version \
                or trajectory.head_digest != digest:
            return False
    return True


def _key(context: ExecutionContext) -> tuple[Any, ...] | None:
    """The cache key of a cacheable operation; None for any other."""
    document = context.graphql_document
    principal = getattr(context.context, "principal", None)
    if document is None or principal is None or context.query is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if context.operation_name is not None:
        operations = [o for o in operations
                      if o.name is not None and o.name.value == context.operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    for selection in operations[0].selection_set.selections:
        if not isinstance(selection, FieldNode) \
                or selection.name.value not in CACHEABLE_ROOT_FIELDS:
            return None
    try:
        variables = orjson.dumps(context.variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (context.query, context.operation_name, variables, principal)
