"""Integration fixtures: a real store, SQLite file or PostgreSQL, per test.

`backend` is parametrised over `sqlite` and `postgres`. The PostgreSQL half needs
`DECISIONLOG_TEST_POSTGRES_URL` (as `.ci/run` sets it) and is skipped, saying so,
without it. Each store is fresh: a new SQLite file, or a new PostgreSQL schema that is
dropped afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from decisionlog.application import DecisionLog
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, admin, postgres_url, require_postgres


class Backend:
    """Makes fresh stores on one backend and opens `DecisionLog`s on them."""

    def __init__(self, name: str, tmp_path: Path, postgres_url: str | None) -> None:
        self.name = name
        self.tmp_path = tmp_path
        self.postgres_url = postgres_url
        self.schemas: list[str] = []
        self.apps: list[DecisionLog] = []

    def new_store(self) -> dict[str, str]:
        """The environment of a new, empty store."""
        if self.name == "sqlite":
            path = self.tmp_path / f"{uuid4().hex}.db"
            return parse_database_url(f"sqlite:///{path}").env
        assert self.postgres_url is not None
        schema = f"t_{uuid4().hex[:16]}"
        admin(self.postgres_url, f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        env = dict(parse_database_url(self.postgres_url).env)
        env.update(POSTGRES_SCHEMA=schema, POSTGRES_POOL_SIZE="2", POSTGRES_MAX_OVERFLOW="4")
        return env

    def open(self, env: dict[str, str]) -> DecisionLog:
        """A `DecisionLog` on the store (closed when the test ends)."""
        app = DecisionLog(env=env)
        self.apps.append(app)
        return app

    def fetchone(self, env: dict[str, str], statement: str) -> tuple[object, ...] | None:
        """One row of a query run directly on the store, without opening a DecisionLog."""
        if self.name == "sqlite":
            import sqlite3

            with contextlib.closing(sqlite3.connect(env["SQLITE_DBNAME"])) as connection:
                row = connection.execute(statement).fetchone()
                return None if row is None else tuple(row)
        import psycopg

        assert self.postgres_url is not None
        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            connection.execute(f'SET search_path TO "{env["POSTGRES_SCHEMA"]}"'.encode())
            found = connection.execute(statement.encode()).fetchone()
            return None if found is None else tuple(found)

    def close(self) -> None:
        for app in self.apps:
            app.close()
        self.apps.clear()
        for schema in self.schemas:
            assert self.postgres_url is not None
            admin(self.postgres_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        self.schemas.clear()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    url = require_postgres() if request.param == "postgres" else postgres_url()
    made = Backend(str(request.param), tmp_path, url)
    yield made
    made.close()


@pytest.fixture
def env(backend: Backend) -> dict[str, str]:
    """The environment of one fresh store on the backend."""
    return backend.new_store()


@pytest.fixture
def app(backend: Backend, env: dict[str, str]) -> DecisionLog:
    """A `DecisionLog` on a fresh store."""
    return backend.open(env)
