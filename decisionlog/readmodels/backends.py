"""View stores for SQLite and for eventsourcing's in-memory (POPO) event store.

SQLite keeps the views in the events' file and shares its connection pool; the in-memory
event store gets a private in-memory SQLite database, guarded by the event store's own
lock, so the read models behave the same in unit tests. PostgreSQL: `postgres.py`.

On a SQLite file, writers of events say they are at work (a shared `flock` on
`<database>-writers.lock`, held while they insert): a rebuild in another process pauses
for them between its batches. SQLite itself gives the write lock to whoever asks when
it comes free, and a waiting writer only asks now and then (its busy handler sleeps
between tries, up to 100 ms), so without that signal the rebuild's next batch took the
lock first nearly every time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import Notification

from decisionlog.infrastructure.filelock import SharedPresence, lock_path, others_present
from decisionlog.readmodels.dialect import DBCursor, Dialect, Executor
from decisionlog.readmodels.lease import FileLease, Lease, ProcessLease
from decisionlog.readmodels.store import ViewStore

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper
    from eventsourcing.popo import POPOApplicationRecorder
    from eventsourcing.sqlite import SQLiteDatastore

SQLITE = Dialect()
# A larger page cache than SQLite's 2 MB default: view maintenance touches many b-trees.
# Not 64 MB, nor memory-mapped reads (1 GB was tried): both count in the server's RSS
# (~60 and ~150-210 MB on the 1M-event file) and neither made reads or writes measurably
# faster than the OS's file cache does (BENCHMARKS.md, Memory).
TUNING = ("PRAGMA cache_size = -8192", "PRAGMA mmap_size = 0")


def tune(cursor: DBCursor) -> None:
    """Apply TUNING to the connection of a cursor (cheap: a few microseconds)."""
    for pragma in TUNING:
        cursor.execute(pragma)


class SQLiteViewStore(ViewStore):
    """Views in the SQLite file of the events (table `stored_events`, rowid order)."""

    dialect = SQLITE

    def __init__(self, datastore: SQLiteDatastore, mapper: Mapper[UUID],
                 events_table: str = "stored_events") -> None:
        super().__init__(mapper)
        self.datastore = datastore
        self.events_table = events_table
        self.path: str = datastore.pool.db_name
        self.in_memory: bool = datastore.pool.is_sqlite_memory_mode
        self.writers = (None if self.in_memory
                        else SharedPresence(lock_path(self.path, "writers")))
        self.sqlite_file = None if self.in_memory else self.path
        self.last_notification_sql = f"SELECT MAX(rowid) FROM {events_table}"

    def lease(self) -> Lease:
        return ProcessLease(f"sqlite:{self.path}") if self.in_memory else FileLease(self.path)

    def writers_waiting(self) -> bool:
        return self.writers is not None and others_present(self.writers.path)

    @contextmanager
    def reading(self) -> Iterator[Executor]:
        with self.datastore.transaction(commit=False) as cursor:
            tune(cursor.sqlite_cursor)
            yield Executor(cursor.sqlite_cursor, self.dialect)

    @contextmanager
    def writing(self) -> Iterator[Executor]:
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor().sqlite_cursor
            tune(cursor)
            # Debian's SQLite zeroes freed pages (SECURE_DELETE): a rebuild would write
            # the old views out once more. They hold nothing the event log does not.
            secure_delete = cursor.execute("PRAGMA secure_delete").fetchone()[0]
            cursor.execute("PRAGMA secure_delete = OFF")
            cursor.execute("BEGIN IMMEDIATE")  # take the write lock before reading
            try:
                yield Executor(cursor, self.dialect)
            except BaseException:
                connection.rollback()
                raise
            else:
                connection.commit()
            finally:
                cursor.execute(f"PRAGMA secure_delete = {int(secure_delete)}")

    def select_notifications(self, ex: Executor, after: int, limit: int
                             ) -> Sequence[Notification]:
        rows = ex.fetchall(
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (after, limit))
        return [Notification(id=r[0], originator_id=UUID(r[1]), originator_version=r[2],
                             topic=r[3], state=r[4]) for r in rows]

    def previous_notification_id(self, ex: Executor, before: int) -> int:
        return int(ex.scalar(
            f"SELECT MAX(rowid) FROM {self.events_table} WHERE rowid < ?", (before,)) or 0)

    def max_notification_id(self, ex: Executor) -> int:
        return int(ex.scalar(f"SELECT MAX(rowid) FROM {self.events_table}") or 0)


class MemoryViewStore(ViewStore):
    """Views in a private in-memory SQLite database, beside an in-memory event store."""

    dialect = SQLITE

    def __init__(self, recorder: POPOApplicationRecorder, mapper: Mapper[UUID],
                 lock: threading.RLock) -> None:
        super().__init__(mapper)
        self.recorder = recorder
        self.lock = lock
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)

    def lease(self) -> Lease:
        return ProcessLease(f"memory:{id(self)}")

    @contextmanager
    def reading(self) -> Iterator[Executor]:
        with self.lock:
            yield Executor(self.db.cursor(), self.dialect)

    @contextmanager
    def writing(self) -> Iterator[Executor]:
        with self.lock:
            cursor = self.db.cursor()
            cursor.execute("BEGIN")
            try:
                yield Executor(cursor, self.dialect)
            except BaseException:
                self.db.rollback()
                raise
            self.db.commit()

    def select_notifications(self, ex: Executor, after: int, limit: int
                             ) -> Sequence[Notification]:
        return self.recorder.select_notifications(after, limit, inclusive_of_start=False)

    def previous_notification_id(self, ex: Executor, before: int) -> int:
        return before - 1  # in-memory notification ids have no gaps

    def max_notification_id(self, ex: Executor) -> int:
        return self.recorder.max_notification_id() or 0

