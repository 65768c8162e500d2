"""The two SQL dialects the read models speak, and a cursor that speaks either.

Statements are written once, in SQLite's style (`?` parameters, bare `dl_` table names);
the PostgreSQL dialect rewrites them to `%s` parameters and schema-qualified names.
Timestamps are ISO 8601 text in UTC on SQLite (fixed width, so text order is time order)
and `timestamptz` on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

Row = tuple[Any, ...]
Statement = tuple[str, tuple[Any, ...]]

_TABLE = re.compile(r"\bdl_\w+")
_ZERO = timedelta(0)


class DBCursor(Protocol):
    """The part of a DB-API cursor the read models use."""

    def execute(self, query: Any, params: Any = ...) -> Any: ...

    def executemany(self, query: Any, params_seq: Any) -> Any: ...

    def fetchall(self) -> Any: ...

    def fetchmany(self, size: int) -> Any: ...


class Dialect:
    """How statements, parameters and values differ between the backends."""

    name = "sqlite"
    timestamp_type = "TEXT"
    bigint_type = "INTEGER"

    def sql(self, statement: str) -> str:
        """The statement as this backend wants it."""
        return statement

    def param(self, value: Any) -> Any:
        """A parameter as this backend stores it."""
        if isinstance(value, datetime):
            if value.utcoffset() != _ZERO:
                value = value.astimezone(UTC)
            return value.replace(tzinfo=UTC).isoformat(timespec="microseconds")
        return value

    def timestamp(self, value: Any) -> datetime | None:
        """A stored timestamp as an aware datetime in UTC."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromisoformat(value)


class PostgresDialect(Dialect):
    """PostgreSQL: `%s` parameters, tables in the event store's schema, `timestamptz`."""

    name = "postgres"
    timestamp_type = "TIMESTAMPTZ"
    bigint_type = "BIGINT"

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._quoted = _quote(schema)
        self._translate = lru_cache(maxsize=512)(self._translate_uncached)

    def sql(self, statement: str) -> str:
        return self._translate(statement)

    def _translate_uncached(self, statement: str) -> str:
        qualified = _TABLE.sub(lambda m: f"{self._quoted}.{m.group(0)}", statement)
        return qualified.replace("?", "%s")

    def param(self, value: Any) -> Any:
        return value

    @staticmethod
    def quote(schema: str, table: str) -> str:
        """A schema-qualified, quoted table name."""
        return f"{_quote(schema)}.{_quote(table)}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class Executor:
    """Runs statements on one cursor inside a transaction someone else manages."""

    def __init__(self, cursor: DBCursor, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self.dialect.sql(statement), self._params(params))

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cursor.executemany(self.dialect.sql(statement), [self._params(p) for p in rows])

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        self.execute(statement, params)
        return [tuple(row) for row in self.cursor.fetchall()]

    def iterate(self, statement: str, params: Sequence[Any] = (), *, chunk: int = 64
                ) -> Iterator[Row]:
        """Rows one by one, fetched in chunks: stop early and the rest is never computed
        (on SQLite; a PostgreSQL cursor here has fetched all rows already)."""
        self.execute(statement, params)
        while True:
            rows = self.cursor.fetchmany(chunk)
            if not rows:
                return
            for row in rows:
                yield tuple(row)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.fetchall(statement, params)
        return rows[0] if rows else None

    def scalar(self, statement: str, params: Sequence[Any] = ()) -> Any:
        row = self.fetchone(statement, params)
        return None if row is None else row[0]

    def run(self, statements: Iterable[Statement]) -> None:
        """Run statements in order; consecutive runs of one statement go as one batch."""
        batch: list[tuple[Any, ...]] = []
        current: str | None = None
        for sql, params in statements:
            if sql != current:
                self._flush(current, batch)
                current, batch = sql, []
            batch.append(params)
        self._flush(current, batch)

    def _flush(self, statement: str | None, batch: list[tuple[Any, ...]]) -> None:
        if statement is None or not batch:
            return
        if len(batch) == 1:
            self.execute(statement, batch[0])
        else:
            self.executemany(statement, batch)

    def _params(self, params: Sequence[Any]) -> tuple[Any, ...]:
        convert = self.dialect.param
        return tuple([convert(p) if isinstance(p, datetime) else p for p in params])
