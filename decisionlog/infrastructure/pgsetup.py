"""First start on PostgreSQL: the schema made if missing, the tables by one process at a time.

Several workers (or hosts) may open the same empty database at the same moment.
eventsourcing creates its tables with `CREATE TABLE IF NOT EXISTS` and its composite types
with `CREATE TYPE`, and two sessions doing that at once make the slower one fail with a
unique violation in the catalogue. So while an application creates its tables it holds a
session advisory lock of its schema, on a connection of its own (not one of the pool's,
which the table creation needs); the others wait, then find the tables there.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import OperationalError

if TYPE_CHECKING:
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.postgres import PostgresDatastore

SETUP_LOCK_TIMEOUT = "60s"  # a start waits this long for another one's table creation


@contextmanager
def setup_lock(factory: InfrastructureFactory[Any]) -> Iterator[None]:
    """Hold the schema's setup lock (PostgreSQL, when tables are created), the schema
    made first if it is missing; on any other store, do nothing."""
    # A PostgreSQL factory's module is loaded already; on any other store, psycopg (about
    # 23 MB of a server's memory) is not imported at all.
    postgres = sys.modules.get("eventsourcing.postgres")
    if (postgres is None or not isinstance(factory, postgres.PostgresFactory)
            or not factory.env_create_table()):
        yield
        return
    import psycopg
    from psycopg import sql

    datastore: PostgresDatastore = factory.datastore
    schema = datastore.schema
    try:
        connection = psycopg.connect(**connect_kwargs(datastore), autocommit=True)
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error
    with connection:
        connection.execute(
            sql.SQL("SET lock_timeout = {}").format(sql.Literal(SETUP_LOCK_TIMEOUT)))
        key = advisory_lock_key(f"decisionlog.setup:{schema}")
        connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            # CREATE SCHEMA checks the right to create before IF NOT EXISTS: look first,
            # so that a role without that right can use a schema made for it.
            found = connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
            if found is None:
                connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    sql.Identifier(schema)))
            yield
        finally:
            if not connection.closed:
                connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def connect_kwargs(datastore: Any) -> dict[str, Any]:
    """The pool's connection arguments (host, port, dbname, user, password), for a
    connection of one's own beside the pool."""
    pool = datastore.pool
    kwargs = {k: v for k, v in dict(pool.kwargs or {}).items() if k != "row_factory"}
    get_password = getattr(pool, "get_password_func", None)
    if get_password is not None:
        kwargs["password"] = get_password()
    kwargs.setdefault("connect_timeout", max(1, round(pool.timeout)))
    return kwargs
