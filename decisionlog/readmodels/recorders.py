"""Application recorders that update the views in the transaction that stores the events.

Each subclasses eventsourcing's recorder for its backend: after the events are inserted
(and their notification ids known) the same transaction applies them to the views, as
the domain events the application hands over with them (`DOMAIN_EVENTS`), or decoded
with the application's mapper when it does not. If the projection fails, the events are
not stored either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory

from decisionlog.infrastructure.errors import raise_if_storage_full
from decisionlog.readmodels.backends import MemoryViewStore, SQLiteViewStore, tune
from decisionlog.readmodels.dialect import Executor
from decisionlog.readmodels.store import DOMAIN_EVENTS, ViewStore, project_live

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import (
        ApplicationRecorder,
        InfrastructureFactory,
        Mapper,
        StoredEvent,
    )


class ProjectingSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite: views written after the events, before the commit; the writer says it is
    at work meanwhile (see `backends.py`), and a full disk says so."""

    views: SQLiteViewStore

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any
                      ) -> Sequence[int] | None:
        writers = self.views.writers
        try:
            if writers is None:
                return super().insert_events(stored_events, **kwargs)
            with writers.present():
                return super().insert_events(stored_events, **kwargs)
        except Exception as error:
            raise_if_storage_full(error)
            raise

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        tune(c.sqlite_cursor)
        project_live(self.views, Executor(c.sqlite_cursor, self.views.dialect), ids or [],
                     stored_events, kwargs.get(DOMAIN_EVENTS))
        return ids


class ProjectingPOPORecorder(POPOApplicationRecorder):
    """In memory: views in a private SQLite database, committed before the events."""

    views: MemoryViewStore

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any
                      ) -> Sequence[int] | None:
        with self._database_lock:
            self._assert_uniqueness(stored_events, **kwargs)
            first = len(self._stored_events) + 1
            ids = list(range(first, first + len(stored_events)))
            with self.views.writing() as ex:
                project_live(self.views, ex, ids, stored_events, kwargs.get(DOMAIN_EVENTS))
            notification_ids = self._update_table(stored_events, **kwargs)
        self._notify_listeners()
        return notification_ids


def construct_recorder(factory: InfrastructureFactory[Any], mapper: Mapper[UUID]
                       ) -> ApplicationRecorder:
    """The application recorder for the factory's backend, with views attached.

    Creates the view tables when the factory creates tables (its default).
    """
    recorder: ApplicationRecorder
    views: ViewStore
    create = True
    if isinstance(factory, SQLiteFactory):
        sqlite_recorder = ProjectingSQLiteRecorder(datastore=factory.datastore)
        sqlite_recorder.views = SQLiteViewStore(
            factory.datastore, mapper, sqlite_recorder.events_table_name)
        recorder, views = sqlite_recorder, sqlite_recorder.views
        create = factory.env_create_table()
        if create:
            sqlite_recorder.create_table()
    elif isinstance(factory, POPOFactory):
        popo_recorder = ProjectingPOPORecorder()
        popo_recorder.views = MemoryViewStore(popo_recorder, mapper,
                                              popo_recorder._database_lock)
        recorder, views = popo_recorder, popo_recorder.views
    else:
        from eventsourcing.postgres import PostgresFactory

        from decisionlog.readmodels.postgres import (
            PostgresViewStore,
            ProjectingPostgresRecorder,
        )

        if not isinstance(factory, PostgresFactory):
            raise TypeError(f"No read models for {type(factory).__name__}.")
        events_table = (factory.env.name.lower() or "stored") + "_events"
        pg_recorder = ProjectingPostgresRecorder(
            factory.datastore, events_table_name=events_table)
        pg_recorder.views = PostgresViewStore(factory.datastore, mapper, events_table)
        recorder, views = pg_recorder, pg_recorder.views
        create = factory.env_create_table()
        if create:
            pg_recorder.create_table()
    if create:
        views.ensure_schema()
    return recorder


def views_of(recorder: ApplicationRecorder) -> ViewStore:
    """The view store attached to a recorder made by `construct_recorder`."""
    views = getattr(recorder, "views", None)
    if not isinstance(views, ViewStore):
        raise TypeError(f"{type(recorder).__name__} has no read models attached.")
    return views
