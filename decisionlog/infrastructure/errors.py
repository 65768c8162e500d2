"""Storage failures worth a name of their own, recognised under the libraries' wrappers."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full


class StorageFullError(Exception):
    """Raised when the database has no space left for a write: nothing was stored, and
    writes work again once space is freed."""

    extensions = {"code": "STORAGE_FULL"}  # graphql-core copies these into the error

    def __init__(self) -> None:
        super().__init__("Storage full: the database has no space left, so this change "
                         "was not stored. Changes work again once space is freed.")


def is_storage_full(error: BaseException) -> bool:
    """Whether an error, or one it was raised from, says the storage is full: SQLite's
    SQLITE_FULL, PostgreSQL's SQLSTATE 53100, or ENOSPC."""
    for cause in _chain(error):
        if isinstance(cause, StorageFullError):
            return True
        if isinstance(cause, sqlite3.Error) and \
                getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return True
    return False


def raise_if_storage_full(error: BaseException) -> None:
    """Raise `StorageFullError` from `error` when that is what it says; else return."""
    if is_storage_full(error) and not isinstance(error, StorageFullError):
        raise StorageFullError() from error


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
