"""Small tables of our own beside the events (tokens, secrets, the storage probe), on
SQLite or PostgreSQL, through the event store's datastore and its transactions.

Statements are written with `?` parameters and `{table}` for the table name; on
PostgreSQL the name is qualified with the event store's schema and parameters become
`%s`. Rows come back as mappings (both datastores give them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, ProgrammingError
from eventsourcing.sqlite import SQLiteDatastore


class Datastore(Protocol):
    """The part of eventsourcing's SQLite and PostgreSQL datastores used here."""

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...


class SQLTable:
    """One table in the event store's database."""

    def __init__(self, datastore: Datastore, name: str) -> None:
        self.datastore = datastore
        self.postgres = not isinstance(datastore, SQLiteDatastore)
        if self.postgres:
            schema = str(getattr(datastore, "schema", "public"))
            self.name = _quote(schema) + "." + name
        else:
            self.name = name
        self.placeholder = "%s" if self.postgres else "?"

    def sql(self, statement: str) -> str:
        """The statement for this table and backend."""
        return statement.replace("{table}", self.name).replace("?", self.placeholder)

    def run(self, statement: str, params: Sequence[Any] = (), *,
            commit: bool = False) -> list[Mapping[str, Any]]:
        """Run one statement in a transaction of its own; the rows of a SELECT."""
        with self.datastore.transaction(commit=commit) as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            returns = statement.lstrip().upper().startswith(("SELECT", "WITH")) \
                or " RETURNING " in statement.upper()
            return list(cursor.fetchall()) if returns else []

    def create(self, statement: str) -> None:
        """Run a `CREATE ... IF NOT EXISTS`; on PostgreSQL, two processes doing so at
        once make the slower one fail on the catalogue's unique index: it runs again."""
        try:
            self.run(statement, commit=True)
        except (IntegrityError, ProgrammingError):
            if not self.postgres:
                raise
            self.run(statement, commit=True)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
