"""The two stores the suite runs against: a SQLite file, and PostgreSQL when
`DECISIONLOG_TEST_POSTGRES_URL` names a database (`.ci/run` starts one and sets it).

Each PostgreSQL user of these helpers gets a schema of its own in that database
(`?schema=NAME` in the URL; the service creates it on first start), dropped afterwards:
the test role needs no right to create databases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import pytest

POSTGRES_URL_VARIABLE = "DECISIONLOG_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgres")
SKIP_REASON = (f"PostgreSQL half: {POSTGRES_URL_VARIABLE} is not set "
               "(postgresql://user:password@host:port/db; `.ci/run` sets it)")


def postgres_url() -> str | None:
    """The test database's URL, or None when the PostgreSQL half does not run."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def require_postgres() -> str:
    """The test database's URL; skips the test (saying why) when there is none."""
    url = postgres_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


def schema_url(url: str, schema: str) -> str:
    """`url` with `?schema=NAME`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=f"schema={schema}"))


def admin(url: str, statement: str) -> None:
    """Run one statement on the test database (the URL's options left out)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(query="")), autocommit=True) as connection:
        connection.execute(statement.encode())


@contextmanager
def fresh_database(backend: str, directory: Path, *, prefix: str = "t") -> Iterator[str]:
    """The URL of a new, empty store: a SQLite file in `directory`, or a PostgreSQL
    schema that does not exist yet (created by the first process that opens it) and is
    dropped when the block ends."""
    if backend == "sqlite":
        yield f"sqlite:///{directory}/decisionlog.db"
        return
    url = require_postgres()
    schema = f"{prefix}_{uuid4().hex[:12]}"
    try:
        yield schema_url(url, schema)
    finally:
        admin(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
