"""Loaded by a test's server process (on its PYTHONPATH): every SQLite connection it
opens gets `PRAGMA max_page_count` from DECISIONLOG_TEST_SQLITE_MAX_PAGES, so the
database file cannot grow past that many pages: a full disk, as SQLite reports it
(SQLITE_FULL), without filling a real one."""

import os
import sqlite3

_connect = sqlite3.connect
_pages = int(os.environ.get("DECISIONLOG_TEST_SQLITE_MAX_PAGES") or 0)


def _capped_connect(*args, **kwargs):  # type: ignore[no-untyped-def]
    connection = _connect(*args, **kwargs)
    if _pages:
        connection.execute(f"PRAGMA max_page_count = {_pages}")
    return connection


sqlite3.connect = _capped_connect
