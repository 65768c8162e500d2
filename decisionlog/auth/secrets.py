"""Server secrets, made once and kept in the database: every worker and host shares them.

A secret is a named string in table `dl_secrets` beside the events (SQLite file or
PostgreSQL schema). `SecretStore.get_or_make(name, make)` returns the stored value, or
stores `make()` first when there is none: the insert does nothing if another process
stored one at the same moment (`ON CONFLICT DO NOTHING`), and both then read back the
same row, so processes starting together agree on one secret. The cursor key
(`cursors.py`) lives here; a session-signing key can be kept the same way.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from decisionlog.infrastructure.sqltables import Datastore, SQLTable

if TYPE_CHECKING:
    from eventsourcing.application import Application

TABLE = "dl_secrets"


def random_key(size: int = 32) -> str:
    """A fresh random key of `size` bytes, as hex."""
    return secrets.token_hex(size)


class SecretStore(ABC):
    """Named secrets, each made once."""

    @abstractmethod
    def get(self, name: str) -> str | None:
        """The value of the secret, or None when it was never made."""

    @abstractmethod
    def _insert_if_missing(self, name: str, value: str) -> None:
        """Store the value unless a value of that name exists (then do nothing)."""

    def get_or_make(self, name: str, make: Callable[[], str] = random_key) -> str:
        """The secret's value; made by `make` and stored first if there is none."""
        value = self.get(name)
        if value is None:
            self._insert_if_missing(name, make())
            value = self.get(name)
            assert value is not None  # just stored, by this process or another
        return value


class SQLSecretStore(SecretStore):
    """Secrets in `dl_secrets`, in the events' database."""

    def __init__(self, datastore: Datastore) -> None:
        self.table = SQLTable(datastore, TABLE)
        self.table.create("CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, "
                          "value TEXT NOT NULL, created_at TEXT NOT NULL)")

    def get(self, name: str) -> str | None:
        rows = self.table.run("SELECT value FROM {table} WHERE name = ?", (name,))
        return str(rows[0]["value"]) if rows else None

    def _insert_if_missing(self, name: str, value: str) -> None:
        self.table.run("INSERT INTO {table} (name, value, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (name) DO NOTHING",
                       (name, value, datetime.now(UTC).isoformat()), commit=True)


class MemorySecretStore(SecretStore):
    """Secrets of this process only: for `memory://` databases and tests."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._values.get(name)

    def _insert_if_missing(self, name: str, value: str) -> None:
        with self._lock:
            self._values.setdefault(name, value)


_STORES: weakref.WeakKeyDictionary[Application[Any], SecretStore] = \
    weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def secret_store(app: Application[Any]) -> SecretStore:
    """The secret store in the same database as the application's events (one per
    application object; in memory for the in-memory persistence)."""
    with _STORES_LOCK:
        store = _STORES.get(app)
        if store is None:
            datastore = getattr(app.recorder, "datastore", None)
            store = MemorySecretStore() if datastore is None else SQLSecretStore(datastore)
            _STORES[app] = store
        return store
