"""Before a command opens the decision log: is one there, can it be reached, may it be
made? Each problem becomes one line naming the database and what to do (`CommandError`),
found before anything is opened, so a mistake creates no file and prints no traceback.

Opening the log through eventsourcing creates whatever is missing: a command that only
reads or manages an existing log (`token list`, `token revoke`, `verify`, `export`,
`rebuild`) must first check that one exists, or a typo in `--database` (or the wrong
working directory) silently makes an empty log and answers from it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from decisionlog.infrastructure.config import redact
from decisionlog.infrastructure.program import program

if TYPE_CHECKING:
    from decisionlog.infrastructure.config import Database

SQLITE_EVENTS_TABLE = "stored_events"  # eventsourcing's names, made on first opening
CONNECT_TIMEOUT_SECONDS = 5


class CommandError(Exception):
    """Raised when a command cannot go on; `main` prints the message as one line."""

    def __init__(self, message: str, *, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def where(database: Database) -> str:
    """The log's place as a person reads it: a SQLite file's absolute path, or the URL
    without its password."""
    if database.is_sqlite and not database.env["SQLITE_DBNAME"].startswith("file:"):
        return str(Path(database.env["SQLITE_DBNAME"]).absolute())
    return redact(database.url)


def require_log(database: Database) -> None:
    """Raise `CommandError` unless a decision log is stored at `database`."""
    if not log_exists(database, writable=False):
        raise CommandError(f"no decision log at {where(database)}; `{program()} serve` "
                           "creates one (or give --database).")


def log_exists(database: Database, *, writable: bool = True) -> bool:
    """Whether a decision log is stored at `database`; raises `CommandError` when the
    place cannot hold one (a missing folder, a file that is no SQLite database, an
    unreachable or refusing PostgreSQL) or, if `writable`, cannot be written."""
    if database.backend == "memory":
        return False
    if database.backend == "postgres":
        return _postgres_has_log(database)
    path = database.env["SQLITE_DBNAME"]
    if path.startswith("file:"):  # sqlite:///:memory:, shared in the process
        return False
    return _sqlite_has_log(Path(path).absolute(), writable=writable)


def _sqlite_has_log(path: Path, *, writable: bool) -> bool:
    if path.is_dir():
        raise CommandError(f"{path} is a folder, not a database file; name a file in it "
                           "(--database sqlite:///path/to/decisionlog.db).")
    if not path.exists():
        folder = path.parent
        if not folder.is_dir():
            raise CommandError(f"no folder {folder} for the database {path.name}; create "
                               "the folder first, or give another --database.")
        if writable and not os.access(folder, os.W_OK | os.X_OK):
            raise CommandError(f"cannot create {path}: the folder is not writable for "
                               "this user.")
        return False
    if not os.access(path, os.R_OK):
        raise CommandError(f"cannot read {path}: permission denied.")
    if writable and not os.access(path, os.W_OK):
        raise CommandError(f"cannot write {path}: permission denied.")
    try:
        with closing(sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)) as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                               "name = ?", (SQLITE_EVENTS_TABLE,)).fetchone()
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise CommandError(f"{path} is not a SQLite database; give the decision log's "
                               "file with --database.") from None
        raise CommandError(f"cannot read {path}: {error}.") from None
    return found is not None


def _postgres_has_log(database: Database) -> bool:
    try:
        import psycopg
    except ImportError:
        raise CommandError("PostgreSQL needs the psycopg package: install "
                           "decisionlog[postgres] (make serve does).") from None
    from decisionlog.application import DecisionLog

    env = database.env
    schema = env.get("POSTGRES_SCHEMA", "public")
    events_table = f"{DecisionLog.name.lower()}_events"  # eventsourcing's name for it
    try:
        with psycopg.connect(
                host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"], connect_timeout=CONNECT_TIMEOUT_SECONDS,
        ) as connection:
            found = connection.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = %s", (schema, events_table)).fetchone()
    except psycopg.Error as error:
        reason = " ".join(str(error).split())  # libpq's text spans lines
        raise CommandError(f"cannot reach PostgreSQL at {where(database)}: {reason}") from None
    return found is not None
