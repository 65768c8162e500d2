"""Scale-out tests: several worker processes on one PostgreSQL database.

PostgreSQL only (SQLite serves one worker): every test here is skipped, saying why,
unless `DECISIONLOG_TEST_POSTGRES_URL` is set. Each test gets a schema of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from decisionlog.readmodels.schema import VIEW_TABLES
from tests.backends import fresh_database, require_postgres

TABLES = ("dl_projection", *VIEW_TABLES)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new PostgreSQL schema (made by whichever process opens it first)."""
    require_postgres()
    with fresh_database("postgres", tmp_path, prefix="scale") as url:
        yield url


def view_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read-model table (and the tracking row), in a stable order."""
    import psycopg

    parts = urlsplit(url)
    schema = parse_qs(parts.query)["schema"][0]
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(urlunsplit(parts._replace(query=""))) as connection:
        for table in TABLES:
            found = connection.execute(f'SELECT * FROM "{schema}".{table}'.encode()).fetchall()
            rows[table] = sorted((tuple(row) for row in found), key=repr)
    return rows
