"""Read models on PostgreSQL: the view store and the projecting application recorder.

Imported only when the application runs on eventsourcing's postgres module (psycopg).
The live path keeps eventsourcing's order of locks (the events table, then the tracking
row); rebuild batches and schema changes first take an advisory lock of the view set,
then the tracking row, so the two never wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.rows import tuple_row

from decisionlog.infrastructure.errors import raise_if_storage_full
from decisionlog.infrastructure.pgsetup import advisory_lock_key
from decisionlog.readmodels.dialect import Executor, PostgresDialect
from decisionlog.readmodels.lease import Lease, PostgresLease
from decisionlog.readmodels.store import DOMAIN_EVENTS, ViewStore, project_live

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import Mapper, StoredEvent


class PostgresViewStore(ViewStore):
    """Views in the events' schema, beside the events table."""

    def __init__(self, datastore: PostgresDatastore, mapper: Mapper[UUID],
                 events_table: str) -> None:
        super().__init__(mapper)
        self.datastore = datastore
        self.dialect = PostgresDialect(datastore.schema)
        self.events_table = PostgresDialect.quote(datastore.schema, events_table)
        self.lock_key = advisory_lock_key(f"decisionlog.readmodels:{datastore.schema}")
        self.lease_key = advisory_lock_key(f"decisionlog.rebuild:{datastore.schema}")
        self.last_notification_sql = f"SELECT MAX(notification_id) FROM {self.events_table}"

    def lease(self) -> Lease:
        return PostgresLease(self.datastore, self.lease_key)

    @contextmanager
    def reading(self) -> Iterator[Executor]:
        with self.datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield Executor(cursor, self.dialect)

    @contextmanager
    def writing(self) -> Iterator[Executor]:
        with self.datastore.get_connection() as connection, connection.transaction():
            ex = Executor(connection.cursor(row_factory=tuple_row), self.dialect)
            ex.execute("SELECT pg_advisory_xact_lock(?)", (self.lock_key,))
            yield ex

    def select_notifications(self, ex: Executor, after: int, limit: int
                             ) -> Sequence[Notification]:
        rows = ex.fetchall(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE notification_id > ? "
            "ORDER BY notification_id LIMIT ?", (after, limit))
        return [Notification(id=r[0], originator_id=r[1], originator_version=r[2],
                             topic=r[3], state=bytes(r[4])) for r in rows]

    def previous_notification_id(self, ex: Executor, before: int) -> int:
        return int(ex.scalar(
            f"SELECT MAX(notification_id) FROM {self.events_table} "
            "WHERE notification_id < ?", (before,)) or 0)

    def max_notification_id(self, ex: Executor) -> int:
        return int(ex.scalar(f"SELECT MAX(notification_id) FROM {self.events_table}") or 0)


class ProjectingPostgresRecorder(PostgresApplicationRecorder):
    """Lock the events table, insert, project and commit, in one transaction.

    Unlike the recorder it extends, it does not use eventsourcing's optional database
    function for inserts (`enable_db_functions`): the projection needs the transaction.
    A full disk (SQLSTATE 53100) raises `StorageFullError` at once, not after retries.
    """

    views: PostgresViewStore

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any
                      ) -> Sequence[int] | None:
        if not stored_events:
            return []
        try:
            with self.datastore.get_connection() as conn, conn.transaction():
                with conn.cursor() as curs:
                    self._insert_events(curs, stored_events, **kwargs)
                    self._insert_stored_events(curs, stored_events, **kwargs)
                    ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                ex = Executor(conn.cursor(row_factory=tuple_row), self.views.dialect)
                project_live(self.views, ex, ids or [], stored_events,
                             kwargs.get(DOMAIN_EVENTS))
        except Exception as error:
            raise_if_storage_full(error)
            raise
        return ids

