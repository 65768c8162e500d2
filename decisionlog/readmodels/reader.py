"""`ReadModels`: the query functions bound to one view store, for resolvers to call.

Every call runs in its own read transaction, so a page and its total count agree. The
views are written in the transactions that store the events, so a call made after a
mutation has returned sees that mutation.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from decisionlog.readmodels import decision_queries, queries
from decisionlog.readmodels.rows import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    MandateRow,
    Page,
    TrajectoryRow,
)

if TYPE_CHECKING:
    from decisionlog.domain.values import TrajectoryStatus
    from decisionlog.readmodels.store import ProjectionState, ViewStore


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
            return queries.trajectories(
                ex, status=status, client=client, search=search,
                trajectory_ids=trajectory_ids, first=first, after=after, count=count)

    def decisions(
        self, where: DecisionFilter | None = None, *,
        order: DecisionOrder = DecisionOrder.NEWEST_FIRST, first: int = 20, after: int = 0,
        count: bool = False,
    ) -> Page[DecisionRow]:
        """Decisions across trajectories (see `decision_queries.decisions`)."""
        with self.store.reading() as ex:
            return decision_queries.decisions(ex, where or DecisionFilter(), order=order,
                                     first=first, after=after, count=count)

    def count_decisions(self, where: DecisionFilter | None = None) -> int:
        """How many decisions match."""
        with self.store.reading() as ex:
            return decision_queries.count_decisions(ex, where or DecisionFilter())

    def mandates(self, member_name: str, *,
                 trajectory_ids: Collection[str] | None = None) -> list[MandateRow]:
        """Every right a person holds now, in every trajectory (see `queries.mandates`)."""
        with self.store.reading() as ex:
            return queries.mandates(ex, member_name, trajectory_ids=trajectory_ids)

    def open_implicit_decisions(
        self, *, trajectory_ids: Collection[str] | None = None, first: int = 100,
        after: int = 0, count: bool = False,
    ) -> Page[DecisionRow]:
        """Surfaced decisions awaiting ratification, oldest surfaced first."""
        with self.store.reading() as ex:
            return decision_queries.open_implicit_decisions(
                ex, trajectory_ids=trajectory_ids, first=first, after=after, count=count)

    def state(self) -> ProjectionState:
        """The views' tracking row: the last notification they include, and whether a
        rebuild is under way."""
        return self.store.state()

    def lag(self) -> int:
        """How many notification ids the views are behind the event log (0: up to date)."""
        position, last = self.store.lag()
        return max(last - position, 0)
