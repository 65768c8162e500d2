"""Where the log is stored: a database URL turned into eventsourcing's settings.

- `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` (`sqlite:///:memory:`);
- `postgresql://user:password@host:port/dbname`, optionally `?schema=NAME`: the tables
  then live in that schema (created on first start) instead of `public`, so several
  logs can share one database;
- `memory://`: eventsourcing's in-memory store (tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///decisionlog.db"
DATABASE_URL_VARIABLE = "DECISIONLOG_DATABASE_URL"
DATABASE_HELP = f"database URL (default: ${DATABASE_URL_VARIABLE} or {DEFAULT_DATABASE_URL})"
POSTGRES_OPTIONS = frozenset({"schema"})
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL truncates longer names


class DatabaseURLError(ValueError):
    """Raised when a database URL is neither sqlite:///… nor postgresql://…."""


@dataclass(frozen=True)
class Database:
    """A parsed database URL."""

    url: str
    backend: str  # "sqlite", "postgres" or "memory"
    env: dict[str, str]

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"


def database_url(explicit: str | None = None) -> str:
    """The URL given, else `DECISIONLOG_DATABASE_URL`, else the default SQLite file."""
    return explicit or os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL


def parse_database_url(url: str) -> Database:
    """eventsourcing settings for `sqlite:///path`, `postgresql://…` or `memory://`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return Database(url, "memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if scheme == "sqlite":
        if parts.netloc:
            raise DatabaseURLError(
                f"{url!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db."
            )
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        if not path:
            raise DatabaseURLError(f"{url!r} names no file.")
        if path == ":memory:":
            path = "file:decisionlog?mode=memory&cache=shared"
        return Database(url, "sqlite", {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
        })
    if scheme in ("postgresql", "postgres"):
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseURLError(f"{url!r}: write postgresql://user:password@host:port/db.")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or ""),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
        schema = _postgres_schema(url, parts.query)
        if schema is not None:
            env["POSTGRES_SCHEMA"] = schema
        return Database(url, "postgres", env)
    raise DatabaseURLError(
        f"Unsupported database URL {url!r}: use sqlite:///path.db or "
        "postgresql://user:password@host:port/dbname."
    )


def _postgres_schema(url: str, query: str) -> str | None:
    """The `schema` option of a PostgreSQL URL; no other option is understood."""
    options = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(options) - POSTGRES_OPTIONS)
    if unknown:
        raise DatabaseURLError(
            f"{redact(url)!r}: unknown option {', '.join(unknown)}; the only option is "
            "?schema=NAME.")
    if "schema" not in options:
        return None
    schema = options["schema"][-1]
    if not schema.strip() or len(schema.encode()) > MAX_IDENTIFIER_BYTES:
        raise DatabaseURLError(
            f"{redact(url)!r}: a schema name has 1 to {MAX_IDENTIFIER_BYTES} bytes.")
    return schema


def redact(url: str) -> str:
    """The URL with its password, if any, replaced by `***` (for logs and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return parts._replace(netloc=f"{name}:***@{host}").geturl()
