"""Token stores in the event store's own database: table `dl_tokens` in the SQLite file
or the PostgreSQL database (and schema) of the application's recorder."""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError
from eventsourcing.sqlite import SQLiteDatastore

from decisionlog.auth.tokens import (
    MemoryTokenStore,
    TokenNameTakenError,
    TokenNotFoundError,
    TokenRecord,
    TokenStore,
    name_key,
)
from decisionlog.infrastructure.sqltables import Datastore, SQLTable

if TYPE_CHECKING:
    from eventsourcing.application import Application

COLUMNS = "name, role, trajectories, key_id, salt, secret_hash, created_at, revoked_at"
KEY_INDEX = "dl_tokens_name_key"


class SQLTokenStore(TokenStore):
    """Tokens in table `dl_tokens`, through the datastore's own transactions.

    Column `name_key` (`name_key(name)`, unique) keeps names apart that differ only in
    case or width; it was added after the first release: opening an older table adds
    it and fills it in, the first of any pair of clashing names (by creation) keeping
    the key, so that both go on working and no new clash can be made.
    """

    def __init__(self, datastore: Datastore, *, table: str = "dl_tokens") -> None:
        self.table = SQLTable(datastore, table)
        self._create_table()

    def _run(self, statement: str, params: Sequence[Any] = (), *,
             commit: bool = False) -> Iterator[Mapping[str, Any]]:
        return iter(self.table.run(statement, params, commit=commit))

    def _create_table(self) -> None:
        self.table.create(
            "CREATE TABLE IF NOT EXISTS {table} ("
            " name TEXT PRIMARY KEY,"
            " role TEXT NOT NULL,"
            " trajectories TEXT NOT NULL,"  # a JSON list of trajectory ids; [] for all
            " key_id TEXT NOT NULL UNIQUE,"
            " salt TEXT NOT NULL,"
            " secret_hash TEXT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " revoked_at TEXT,"
            " name_key TEXT)")
        if not self._has_name_key():
            with contextlib.suppress(ProgrammingError, OperationalError):  # a race: added
                self._run("ALTER TABLE {table} ADD COLUMN name_key TEXT", commit=True)
        self.table.create(f"CREATE UNIQUE INDEX IF NOT EXISTS {KEY_INDEX} "
                          "ON {table} (name_key)")
        self._fill_name_keys()

    def _has_name_key(self) -> bool:
        try:
            self._run("SELECT name_key FROM {table} WHERE 1 = 0")
        except (ProgrammingError, OperationalError):
            return False
        return True

    def _fill_name_keys(self) -> None:
        """Give each older row its key, unless an earlier name holds it already."""
        rows = list(self._run("SELECT name FROM {table} WHERE name_key IS NULL "
                              "ORDER BY created_at, name"))
        for row in rows:
            key = name_key(row["name"])
            with contextlib.suppress(IntegrityError):  # another process filled it in
                self._run("UPDATE {table} SET name_key = ? WHERE name = ? AND NOT EXISTS "
                          "(SELECT 1 FROM {table} WHERE name_key = ?)",
                          (key, row["name"], key), commit=True)

    def _insert(self, record: TokenRecord) -> None:
        key = name_key(record.name)
        try:
            self._run(
                f"INSERT INTO {{table}} ({COLUMNS}, name_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.name, record.role, json.dumps(sorted(record.trajectories)),
                 record.key_id, record.salt, record.secret_hash,
                 record.created_at.isoformat(), None, key),
                commit=True,
            )
        except IntegrityError:
            taken = list(self._run("SELECT name FROM {table} WHERE name = ? OR name_key = ?",
                                   (record.name, key)))
            if taken:
                raise TokenNameTakenError(record.name, str(taken[0]["name"])) from None
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
            return SQLTokenStore(datastore)  # in the schema of the events
    if datastore is None:
        return MemoryTokenStore()
    raise TypeError(f"No token store for a {type(datastore).__name__}.")
