"""`ReadModels`: the query functions bound to one view store, for resolvers to call.

Every call runs in its own read transaction, so a page and its total count agree. The
views are written in the transactions that store the events, so a call made after a
mutation has returned sees that mutation, except while they are being rebuilt: inside
`watching_freshness()` each call also reads, in the same snapshot, how far the views are
behind the log, so that the answer can say so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from decisionlog.readmodels import decision_queries, queries, review_queries
from decisionlog.readmodels.rows import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    MandateRow,
    Page,
    TrajectoryRow,
)
from decisionlog.readmodels.store import Freshness, read_freshness

if TYPE_CHECKING:
    from datetime import datetime

    from decisionlog.domain.values import TrajectoryStatus
    from decisionlog.readmodels.dialect import Executor
    from decisionlog.readmodels.store import ProjectionState, ViewStore

T = TypeVar("T")


class FreshnessSeen:
    """The least fresh views that the reads inside one `watching_freshness()` saw."""

    def __init__(self) -> None:
        self.lagging: Freshness | None = None

    def saw(self, freshness: Freshness) -> None:
        if not freshness.current and (
                self.lagging is None or freshness.behind >= self.lagging.behind):
            self.lagging = freshness


_seen: ContextVar[FreshnessSeen | None] = ContextVar("decisionlog_views_seen", default=None)


@contextmanager
def watching_freshness() -> Iterator[FreshnessSeen]:
    """Note the freshness of the views every read in this context uses."""
    seen = FreshnessSeen()
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)


class ReadModels:
    """Lists and searches across every trajectory, served from the views."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def trajectories(
        self, *, status: TrajectoryStatus | None = None, client: str | None = None,
        search: str | None = None, trajectory_ids: Collection[str] | None = None,
        first: int = 20, after: int = 0, count: bool = True,
    ) -> Page[TrajectoryRow]:
        """Trajectories in the order they were started (see `queries.trajectories`)."""
        with self.store.reading() as ex:
            return self._noted(ex, queries.trajectories(
                ex, status=status, client=client, search=search,
                trajectory_ids=trajectory_ids, first=first, after=after, count=count))

    def decisions(
        self, where: DecisionFilter | None = None, *,
        order: DecisionOrder = DecisionOrder.NEWEST_FIRST, first: int = 20, after: int = 0,
        count: bool = False,
    ) -> Page[DecisionRow]:
        """Decisions across trajectories (see `decision_queries.decisions`)."""
        with self.store.reading() as ex:
            return self._noted(ex, decision_queries.decisions(
                ex, where or DecisionFilter(), order=order, first=first, after=after,
                count=count))

    def count_decisions(self, where: DecisionFilter | None = None) -> int:
        """How many decisions match."""
        with self.store.reading() as ex:
            return self._noted(
                ex, decision_queries.count_decisions(ex, where or DecisionFilter()))

    def mandates(self, member_name: str, *,
                 trajectory_ids: Collection[str] | None = None) -> list[MandateRow]:
        """Every right a person holds now, in every trajectory (see `queries.mandates`)."""
        with self.store.reading() as ex:
            return self._noted(
                ex, queries.mandates(ex, member_name, trajectory_ids=trajectory_ids))

    def open_implicit_decisions(
        self, *, trajectory_ids: Collection[str] | None = None, first: int = 100,
        after: int = 0, count: bool = False,
    ) -> Page[DecisionRow]:
        """Surfaced decisions awaiting ratification, oldest surfaced first."""
        with self.store.reading() as ex:
            return self._noted(ex, decision_queries.open_implicit_decisions(
                ex, trajectory_ids=trajectory_ids, first=first, after=after, count=count))

    def due_for_review(
        self, before: datetime, *, trajectory_ids: Collection[str] | None = None,
        first: int = 20, after: tuple[datetime, int] | None = None, count: bool = False,
    ) -> Page[DecisionRow]:
        """Decisions in force due for review before a moment, the oldest due first."""
        with self.store.reading() as ex:
            return self._noted(ex, review_queries.due_for_review(
                ex, before, trajectory_ids=trajectory_ids, first=first, after=after,
                count=count))

    def up_for_review(
        self, *, trajectory_ids: Collection[str] | None = None, first: int = 20,
        after: int = 0, count: bool = False,
    ) -> Page[DecisionRow]:
        """Decisions in force up for review, in the order recorded, with their reasons."""
        with self.store.reading() as ex:
            return self._noted(ex, review_queries.up_for_review(
                ex, trajectory_ids=trajectory_ids, first=first, after=after, count=count))

    def _noted(self, ex: Executor, result: T) -> T:
        seen = _seen.get()
        if seen is not None:
            seen.saw(read_freshness(self.store, ex))
        return result

    def state(self) -> ProjectionState:
        """The views' tracking row: the last notification they include, and whether a
        rebuild is under way."""
        return self.store.state()

    def lag(self) -> int:
        """How many notification ids the views are behind the event log (0: up to date)."""
        position, last = self.store.lag()
        return max(last - position, 0)
