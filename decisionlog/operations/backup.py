"""Backups of a SQLite decision log, and restoring them; checking a restored copy.

`backup_sqlite` copies the database with SQLite's online backup API in one step: a
read transaction sees one committed state of the file, so the copy is consistent while
the service goes on writing (WAL lets writers commit meanwhile; they are not blocked).
The copy is written beside the target and renamed into place once complete, put in
rollback-journal mode (one self-contained file), then verified, and the heads of its
chains written beside it (`heads.py`). `restore_sqlite` copies a backup into a database
file the same way, through SQLite, so that the target's journal stays consistent.
`check_restored` verifies a restored store against the head-digest file and rebuilds
its read models: the same check serves a PostgreSQL database restored by `pg_restore`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from decisionlog.operations.heads import Heads, heads_path

if TYPE_CHECKING:
    from decisionlog.audit.verify import VerificationReport
    from decisionlog.infrastructure.config import Database
    from decisionlog.readmodels.rebuild import RebuildProgress

BUSY_TIMEOUT_SECONDS: Final = 30.0
EVENTS_TABLE: Final = "stored_events"


class BackupError(Exception):
    """Raised when a backup or restore cannot be made; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    """A backup written and verified."""

    path: Path
    heads_path: Path
    report: VerificationReport
    heads: Heads
    seconds: float


def sqlite_env(path: Path) -> dict[str, str]:
    """The settings of the decision log in a SQLite file."""
    from decisionlog.infrastructure.config import parse_database_url

    return dict(parse_database_url(f"sqlite:///{path.absolute()}").env)


def backup_sqlite(source: Path, target: Path) -> BackupReport:
    """Copy the decision log in `source` to `target` while it may be in use, verify the
    copy and write its heads to `target.heads`. Raises `BackupError` when the copy is
    damaged (the copy is kept: it is as the source was)."""
    started = time.monotonic()
    partial = target.with_name(target.name + ".partial")
    _remove(partial)
    try:
        with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as src, \
                closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # all pages in one step: one consistent state
        report = _verified(partial)
        _self_contained(partial)
        _sync(partial)
        os.replace(partial, target)
    finally:
        _remove(partial)
    heads = Heads.of(report)
    if not report.ok:
        raise BackupError(
            f"the copy in {target} is damaged, as the source is: "
            f"{len(report.damaged)} trajectories fail verification (run `verify` on the "
            "source); no head-digest file was written.")
    kept = heads_path(target)
    heads.write(kept)
    return BackupReport(target, kept, report, heads, time.monotonic() - started)


def has_events(path: Path) -> bool:
    """Whether the SQLite file at `path` holds at least one stored event."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS)) as db:
        found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = ?", (EVENTS_TABLE,)).fetchone()
        return found is not None and db.execute(
            f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1").fetchone() is not None


def restore_sqlite(backup: Path, target: Path) -> None:
    """Replace the database in `target` (made if missing) with the backup's content."""
    with closing(sqlite3.connect(backup, timeout=BUSY_TIMEOUT_SECONDS)) as src, \
            closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)) as dst:
        src.backup(dst)


def check_restored(database: Database, heads: Heads | None
                   ) -> tuple[VerificationReport, RebuildProgress]:
    """Verify a restored store (against `heads` when given), then rebuild its read
    models from the events (the views are derived data: made anew, not trusted)."""
    from decisionlog.application import DecisionLog
    from decisionlog.audit.reader import open_reader
    from decisionlog.audit.verify import verify
    from decisionlog.readmodels import rebuild

    reader = open_reader(dict(database.env))
    try:
        report = verify(reader, anchors=heads.anchors() if heads is not None else None)
    finally:
        reader.close()
    log = DecisionLog(env={**database.env, "READMODELS_CATCH_UP": "n"})
    try:
        rebuilt = rebuild(log, restart=True)
    finally:
        log.close()
    return report, rebuilt


def _verified(path: Path) -> VerificationReport:
    from decisionlog.audit.reader import open_reader
    from decisionlog.audit.verify import verify

    reader = open_reader(sqlite_env(path))
    try:
        return verify(reader)
    finally:
        reader.close()


def _self_contained(path: Path) -> None:
    """One file, no write-ahead log beside it (opening the copy as a log made one)."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=DELETE")
    for suffix in ("-wal", "-shm"):
        _remove(path.with_name(path.name + suffix))


def _sync(path: Path) -> None:
    with path.open("rb") as copy:
        os.fsync(copy.fileno())


def _remove(path: Path) -> None:
    for each in (path, path.with_name(path.name + "-wal"),
                 path.with_name(path.name + "-shm")):
        if each.exists():
            each.unlink()
