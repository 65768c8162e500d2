"""The rebuild lease: one process at a time replays the event log into the views.

A rebuild, or a catch-up after one was cut off, holds the lease from its first batch to
its last. A second `decisionlog rebuild` is refused (it names the holder) instead of
racing the first for the database's locks, and a running service resumes an interrupted
rebuild only when nobody holds the lease. The lease dies with its holder, however it
ends: on SQLite it is a `flock` on a file beside the database, on PostgreSQL a session
advisory lock on a connection of its own, in memory a lock of the process.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from decisionlog.infrastructure.filelock import FileLock, lock_path

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore


class Lease(ABC):
    """The right to write the views in bulk; taken without waiting."""

    @abstractmethod
    def acquire(self, holder: str) -> bool:
        """Take the lease, describing the holder; False when someone else holds it."""

    @abstractmethod
    def release(self) -> None:
        """Give the lease back (harmless when not held)."""

    @abstractmethod
    def holder(self) -> str | None:
        """Who holds the lease now (best effort), or None when nobody does."""


class FileLease(Lease):
    """SQLite: a lock file beside the database file."""

    def __init__(self, database_path: str) -> None:
        self.lock = FileLock(lock_path(database_path, "rebuild"))

    def acquire(self, holder: str) -> bool:
        return self.lock.acquire(holder)

    def release(self) -> None:
        self.lock.release()

    def holder(self) -> str | None:
        return self.lock.holder()


_PROCESS_LEASES: dict[str, tuple[threading.Lock, list[str]]] = {}
_PROCESS_LEASES_LOCK = threading.Lock()


class ProcessLease(Lease):
    """In-memory stores: a lock shared by every lease of one name in this process."""

    def __init__(self, name: str) -> None:
        with _PROCESS_LEASES_LOCK:
            self._lock, self._holder = _PROCESS_LEASES.setdefault(
                name, (threading.Lock(), [""]))
        self._held = False

    def acquire(self, holder: str) -> bool:
        if self._held:
            return True
        if not self._lock.acquire(blocking=False):
            return False
        self._held, self._holder[0] = True, holder
        return True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()

    def holder(self) -> str | None:
        return self._holder[0] if self._lock.locked() else None


class PostgresLease(Lease):
    """PostgreSQL: a session advisory lock on a connection of the lease's own (not one
    of the pool's), whose `application_name` says who holds it."""

    def __init__(self, datastore: PostgresDatastore, key: int) -> None:
        self.datastore = datastore
        self.key = key
        self._connection: Any = None

    def acquire(self, holder: str) -> bool:
        if self._connection is not None:
            return True
        import psycopg

        from decisionlog.infrastructure.pgsetup import connect_kwargs

        connection = psycopg.connect(**connect_kwargs(self.datastore), autocommit=True,
                                     application_name=_application_name(holder))
        try:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except BaseException:
            connection.close()
            raise
        if not (row and row[0]):
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()  # ends the session, and with it the lock

    def holder(self) -> str | None:
        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        with self.datastore.get_connection() as connection:
            row = connection.execute(
                "SELECT a.application_name FROM pg_locks l "
                "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s "
                "AND l.objid = %s AND l.objsubid = 1 AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
                (high, low)).fetchone()
        if row is None:
            return None
        name = row["application_name"] if isinstance(row, dict) else row[0]
        return str(name or "another session")


def _application_name(holder: str) -> str:
    """A holder line as PostgreSQL keeps it: ASCII, at most 63 bytes."""
    return holder.encode("ascii", "replace").decode()[:63]
