"""Where the views live, and the rule that keeps them exactly once.

A `ViewStore` gives read and write transactions on the database that holds the events,
and reads the event log from inside them. The tracking row says which notification the
views have reached; events are applied to the views only when the views hold every event
before them, and the new position is written in the same transaction as the view rows:
nothing is skipped, nothing is applied twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from decisionlog.domain.events import TrajectoryEvent
from decisionlog.readmodels.dialect import Dialect, Executor
from decisionlog.readmodels.judgements import rejudge
from decisionlog.readmodels.lease import Lease
from decisionlog.readmodels.projector import Positioned, project
from decisionlog.readmodels.schema import VIEW_SET, ensure_schema

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import Mapper, Notification, StoredEvent


# The keyword under which `DecisionLog` passes a save's domain events to the recorder.
DOMAIN_EVENTS = "decisionlog_domain_events"  # not `domain_events`: EventStore.put has one


@dataclass(frozen=True)
class ProjectionState:
    """The tracking row of the view set."""

    position: int
    rebuilding: bool


@dataclass(frozen=True)
class Freshness:
    """How far the views are behind the event log, read in one snapshot."""

    position: int  # the last notification id the views include
    last: int  # the last notification id in the log
    rebuilding: bool  # a rebuild was started and has not finished (it may have been cut off)

    @property
    def behind(self) -> int:
        """Notifications the views lack (ids may have gaps: at most this many events)."""
        return max(self.last - self.position, 0)

    @property
    def current(self) -> bool:
        return self.behind == 0 and not self.rebuilding


class ViewStore(ABC):
    """The views' side of one event store: transactions, and the event log read in them."""

    dialect: Dialect
    sqlite_file: str | None = None  # the database file, when the views live in one
    # A subquery giving the last notification id, when the log is a table beside the views
    last_notification_sql: str | None = None

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper

    @abstractmethod
    def reading(self) -> AbstractContextManager[Executor]:
        """A read-only transaction (one consistent snapshot)."""

    @abstractmethod
    def writing(self) -> AbstractContextManager[Executor]:
        """A write transaction that holds the view set's write lock from its start."""

    @abstractmethod
    def select_notifications(self, ex: Executor, after: int, limit: int
                             ) -> Sequence[Notification]:
        """Up to `limit` notifications after `after`, in order, read inside `ex`."""

    @abstractmethod
    def previous_notification_id(self, ex: Executor, before: int) -> int:
        """The id of the last notification before `before` (0 if none), read inside `ex`."""

    @abstractmethod
    def max_notification_id(self, ex: Executor) -> int:
        """The id of the last notification (0 if none), read inside `ex`."""

    @abstractmethod
    def lease(self) -> Lease:
        """A new handle on the rebuild lease of these views (see `lease.py`)."""

    def writers_waiting(self) -> bool:
        """Whether writers of events are waiting for the database's write lock, which a
        long replay should then leave to them for a moment (SQLite: see `backends.py`)."""
        return False

    def decode(self, positioned: Sequence[tuple[int, StoredEvent]]) -> list[Positioned]:
        """Domain events from stored ones, through the application's mapper."""
        to_event = self.mapper.to_domain_event
        return [(i, cast(TrajectoryEvent, to_event(s))) for i, s in positioned]

    def ensure_schema(self) -> None:
        """Create the view tables if they are missing (or of an older schema version)."""
        with self.writing() as ex:
            ensure_schema(ex)

    def state(self) -> ProjectionState:
        """The tracking row, as committed."""
        with self.reading() as ex:
            return read_state(ex)

    def lag(self) -> tuple[int, int]:
        """(position of the views, last notification id), read in one snapshot."""
        freshness = self.freshness()
        return freshness.position, freshness.last

    def freshness(self) -> Freshness:
        """How far the views are behind the event log."""
        with self.reading() as ex:
            return read_freshness(self, ex)


def read_freshness(store: ViewStore, ex: Executor) -> Freshness:
    """The views' `Freshness`, read inside `ex` (beside a query, in its snapshot): one
    statement where the log is a table beside the views."""
    if store.last_notification_sql is None:
        state = read_state(ex)
        return Freshness(state.position, store.max_notification_id(ex), state.rebuilding)
    row = ex.fetchone(
        f"SELECT position, rebuilding, ({store.last_notification_sql}) FROM dl_projection "
        "WHERE name = ?", (VIEW_SET,))
    if row is None:
        raise LookupError("The read models have no tracking row: their schema is missing.")
    return Freshness(int(row[0]), int(row[2] or 0), bool(row[1]))


def read_state(ex: Executor, *, lock: bool = False) -> ProjectionState:
    """The tracking row; with `lock`, locked until the transaction ends (PostgreSQL)."""
    suffix = " FOR UPDATE" if lock and ex.dialect.name == "postgres" else ""
    row = ex.fetchone(
        "SELECT position, rebuilding FROM dl_projection WHERE name = ?" + suffix,
        (VIEW_SET,))
    if row is None:
        raise LookupError("The read models have no tracking row: their schema is missing.")
    return ProjectionState(int(row[0]), bool(row[1]))


def write_state(ex: Executor, state: ProjectionState) -> None:
    """Move the tracking row; in the same transaction as the view rows it accounts for."""
    ex.execute("UPDATE dl_projection SET position = ?, rebuilding = ? WHERE name = ?",
               (state.position, int(state.rebuilding), VIEW_SET))


def apply_events(ex: Executor, events: Sequence[Positioned]) -> None:
    """Apply events to the views: the projector's statements, then the judgements they
    may have changed (`judgements.py`)."""
    ex.run(project(events))
    rejudge(ex, events)


def project_live(store: ViewStore, ex: Executor, ids: Sequence[int],
                 stored_events: Sequence[StoredEvent],
                 domain_events: Sequence[object] | None = None) -> bool:
    """Apply just-inserted events in their own transaction, if the views are up to date.

    `domain_events`, when the application passes them (see `DOMAIN_EVENTS`), are the
    events the stored ones were made from, which spares decoding them again.
    Returns False (and writes nothing) when the views lack earlier events, as during a
    rebuild: the rebuild or the next catch-up applies these events in order.
    """
    if not ids:
        return True
    state = read_state(ex, lock=True)
    if state.position != store.previous_notification_id(ex, ids[0]):
        return False
    if domain_events is not None and len(domain_events) == len(stored_events):
        events = [(i, cast(TrajectoryEvent, e)) for i, e in zip(ids, domain_events, strict=True)]
    else:
        events = store.decode(list(zip(ids, stored_events, strict=True)))
    apply_events(ex, events)
    write_state(ex, ProjectionState(ids[-1], state.rebuilding))
    return True


def apply_next_batch(store: ViewStore, limit: int) -> tuple[int, ProjectionState, int]:
    """Apply the next `limit` events after the tracking position, in one transaction.

    Returns the number applied, the new state and the last notification id seen.
    """
    with store.writing() as ex:
        state = read_state(ex, lock=True)
        notifications = store.select_notifications(ex, state.position, limit)
        last = store.max_notification_id(ex)
        if not notifications:
            if state.rebuilding:
                state = ProjectionState(state.position, rebuilding=False)
                write_state(ex, state)
            return 0, state, last
        events = store.decode([(n.id, n) for n in notifications])
        apply_events(ex, events)
        state = ProjectionState(notifications[-1].id, state.rebuilding)
        write_state(ex, state)
        return len(notifications), state, last
