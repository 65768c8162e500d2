"""The key that signs session cookies and CSRF tokens: made on first start, kept in the
database, so every worker and host signs alike and a restart signs nobody out.

`page_signing_key(log)` is the one place the pages ask. The named secrets live in table
`dl_web_secrets` of the event store's own database (SQLite file or PostgreSQL schema):
the first process to need one inserts a random value under a race-safe insert
(`ON CONFLICT DO NOTHING`), and every process then reads the value that won.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from eventsourcing.sqlite import SQLiteDatastore

from decisionlog.infrastructure.pgsetup import advisory_lock_key

if TYPE_CHECKING:
    from eventsourcing.application import Application

PAGE_KEY_NAME = "pages-signing-key"
KEY_BYTES = 32


class SecretSource(Protocol):
    """Named server secrets, the same in every process that shares the database."""

    def secret(self, name: str) -> bytes:
        """The secret of that name, made on first use."""
        ...


class _Datastore(Protocol):
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...


class SQLSecretSource:
    """Secrets in a table of the event store's database, made under a race-safe insert."""

    placeholder = "?"

    def __init__(self, datastore: _Datastore, *, table: str = "dl_web_secrets") -> None:
        self.datastore = datastore
        self.table = table
        self._cache: dict[str, bytes] = {}
        self._create_table()

    def _sql(self, statement: str) -> str:
        return statement.replace("{table}", self.table).replace("?", self.placeholder)

    def _create_table(self) -> None:
        self._execute(self._sql("CREATE TABLE IF NOT EXISTS {table} ("
                                " name TEXT PRIMARY KEY, value TEXT NOT NULL)"))

    def _execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if statement.startswith("SELECT") else []

    def secret(self, name: str) -> bytes:
        known = self._cache.get(name)
        if known is not None:
            return known
        self._execute(self._sql("INSERT INTO {table} (name, value) VALUES (?, ?) "
                                "ON CONFLICT (name) DO NOTHING"),
                      (name, secrets.token_hex(KEY_BYTES)))
        rows = self._execute(self._sql("SELECT value FROM {table} WHERE name = ?"), (name,))
        value = self._cache[name] = bytes.fromhex(rows[0]["value"])
        return value


class PostgresSecretSource(SQLSecretSource):
    """`SQLSecretSource` in the schema of the application's PostgreSQL tables."""

    placeholder = "%s"

    def __init__(self, datastore: _Datastore, *, schema: str = "public") -> None:
        quoted = '"' + schema.replace('"', '""') + '"'
        self._lock_key = advisory_lock_key(f"decisionlog.web_secrets:{schema}")
        super().__init__(datastore, table=f"{quoted}.dl_web_secrets")

    def _create_table(self) -> None:
        # Two sessions creating the same table at once make the slower one fail in the
        # catalogue: they take turns on a lock held until the creating transaction ends.
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            cursor.execute(self._sql("CREATE TABLE IF NOT EXISTS {table} ("
                                     " name TEXT PRIMARY KEY, value TEXT NOT NULL)"))


class MemorySecretSource:
    """Secrets of one process: for `memory://` databases, which live no longer."""

    def __init__(self) -> None:
        self._values: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def secret(self, name: str) -> bytes:
        with self._lock:
            return self._values.setdefault(name, secrets.token_bytes(KEY_BYTES))


_SOURCES: weakref.WeakKeyDictionary[Application[Any], SecretSource] = \
    weakref.WeakKeyDictionary()


def secret_source(app: Application[Any]) -> SecretSource:
    """The secrets kept in the same database as the application's events."""
    source = _SOURCES.get(app)
    if source is None:
        source = _SOURCES[app] = _source_for(getattr(app.recorder, "datastore", None))
    return source


def page_signing_key(app: Application[Any]) -> bytes:
    """The key that signs the pages' session cookies and CSRF tokens."""
    return secret_source(app).secret(PAGE_KEY_NAME)


def _source_for(datastore: object) -> SecretSource:
    if isinstance(datastore, SQLiteDatastore):
        return SQLSecretSource(datastore)
    try:
        from eventsourcing.postgres import PostgresDatastore
    except ImportError:  # psycopg is not installed: no PostgreSQL recorder either
        pass
    else:
        if isinstance(datastore, PostgresDatastore):
            return PostgresSecretSource(datastore, schema=datastore.schema)
    if datastore is None:
        return MemorySecretSource()
    raise TypeError(f"No secret store for a {type(datastore).__name__}.")
