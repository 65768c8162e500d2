"""Token stores in the event store's own database: table `dl_tokens` in the SQLite file
or the PostgreSQL database (and schema) of the application's recorder."""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore

from decisionlog.auth.tokens import (
    MemoryTokenStore,
    TokenNameTakenError,
    TokenNotFoundError,
    TokenRecord,
    TokenStore,
)

if TYPE_CHECKING:
    from eventsourcing.application import Application

COLUMNS = "name, role, trajectories, key_id, salt, secret_hash, created_at, revoked_at"


class _Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class _Datastore(Protocol):
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...


class SQLTokenStore(TokenStore):
    """Tokens in table `dl_tokens`, through the datastore's own transactions."""

    placeholder = "?"

    def __init__(self, datastore: _Datastore, *, table: str = "dl_tokens") -> None:
        self.datastore = datastore
        self.table = table
        self._create_table()

    def _sql(self, statement: str) -> str:
        return statement.replace("{table}", self.table).replace("?", self.placeholder)

    def _run(self, statement: str, params: Sequence[Any] = (), *,
             commit: bool = False) -> Iterator[Mapping[str, Any]]:
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(self._sql(statement), tuple(params))
            rows = cursor.fetchall() if statement.lstrip().startswith("SELECT") else []
        return iter(rows)

    def _create_table(self) -> None:
        self._run(
            "CREATE TABLE IF NOT EXISTS {table} ("
            " name TEXT PRIMARY KEY,"
            " role TEXT NOT NULL,"
            " trajectories TEXT NOT NULL,"  # a JSON list of trajectory ids; [] for all
            " key_id TEXT NOT NULL UNIQUE,"
            " salt TEXT NOT NULL,"
            " secret_hash TEXT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " revoked_at TEXT)", commit=True)

    def _insert(self, record: TokenRecord) -> None:
        try:
            self._run(
                f"INSERT INTO {{table}} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.name, record.role, json.dumps(sorted(record.trajectories)),
                 record.key_id, record.salt, record.secret_hash,
                 record.created_at.isoformat(), None),
                commit=True,
            )
        except IntegrityError:
            if self.get(record.name) is not None:
                raise TokenNameTakenError(record.name) from None
            raise

    def _one(self, column: str, value: str) -> TokenRecord | None:
        rows = list(self._run(f"SELECT {COLUMNS} FROM {{table}} WHERE {column} = ?", (value,)))
        return _record(rows[0]) if rows else None

    def by_key_id(self, key_id: str) -> TokenRecord | None:
        return self._one("key_id", key_id)

    def get(self, name: str) -> TokenRecord | None:
        return self._one("name", name)

    def records(self) -> list[TokenRecord]:
        rows = self._run(f"SELECT {COLUMNS} FROM {{table}} ORDER BY created_at, name")
        return [_record(row) for row in rows]

    def revoke(self, name: str) -> TokenRecord:
        self._run("UPDATE {table} SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                  (datetime.now(UTC).isoformat(), name), commit=True)
        record = self.get(name)
        if record is None:
            raise TokenNotFoundError(name)
        return record


class PostgresTokenStore(SQLTokenStore):
    """Tokens in `dl_tokens` in the schema of the application's PostgreSQL tables."""

    placeholder = "%s"

    def __init__(self, datastore: _Datastore, *, schema: str = "public") -> None:
        quoted = '"' + schema.replace('"', '""') + '"'
        super().__init__(datastore, table=f"{quoted}.dl_tokens")

    def _create_table(self) -> None:
        try:
            super()._create_table()
        except IntegrityError:  # another process created it at the same moment
            super()._create_table()


def _record(row: Mapping[str, Any]) -> TokenRecord:
    revoked = row["revoked_at"]
    return TokenRecord(
        name=row["name"], role=row["role"], trajectories=frozenset(json.loads(row["trajectories"])),
        key_id=row["key_id"], salt=row["salt"], secret_hash=row["secret_hash"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


_STORES: weakref.WeakKeyDictionary[Application[Any], TokenStore] = weakref.WeakKeyDictionary()


def token_store(app: Application[Any]) -> TokenStore:
    """The token store in the same database as the application's events (one per
    application object; in memory for the in-memory `memory://` persistence)."""
    store = _STORES.get(app)
    if store is None:
        store = _STORES[app] = _store_for(getattr(app.recorder, "datastore", None))
    return store


def _store_for(datastore: object) -> TokenStore:
    if isinstance(datastore, SQLiteDatastore):
        return SQLTokenStore(datastore)
    try:
        from eventsourcing.postgres import PostgresDatastore
    except ImportError:  # psycopg is not installed: no PostgreSQL recorder either
        pass
    else:
        if isinstance(datastore, PostgresDatastore):
            return PostgresTokenStore(datastore, schema=datastore.schema)
    if datastore is None:
        return MemoryTokenStore()
    raise TypeError(f"No token store for a {type(datastore).__name__}.")
