"""Snapshots on a SQLite file: a rowid table, and files with the old table converted."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.trajectory import Trajectory
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.infrastructure.snapshots import SNAPSHOTS_TABLE


def _open(path: Path) -> DecisionLog:
    return DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)


def _table_sql(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                 (SNAPSHOTS_TABLE,)).fetchone()
    return str(row[0])


def _trajectory_with_snapshot(app: DecisionLog) -> Trajectory:
    started = app.handle(c.StartTrajectory(name="Long"), recorded_by="t")
    for n in range(5):
        app.handle(c.DefineDomain(trajectory_id=str(started.trajectory_id),
                                  name=f"Domain {n + 2}"), recorded_by="t")
    app.take_snapshot(started.trajectory_id, version=6)
    trajectory = app.get_trajectory(started.trajectory_id)
    assert trajectory is not None
    return trajectory


def test_snapshots_live_in_a_rowid_table_and_are_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.db"
    app = _open(path)
    try:
        trajectory = _trajectory_with_snapshot(app)
    finally:
        app.close()
    assert "WITHOUT ROWID" not in _table_sql(path).upper()

    # Reopened: the trajectory comes from its snapshot, equal to the one replayed; only
    # events after the snapshot's version are read (here none)
    app = _open(path)
    try:
        assert app.snapshots is not None
        assert [s.originator_version for s in app.snapshots.get(trajectory.id)] == [6]
        assert app.repository.event_store is app.events
        reads: list[tuple[Any, Any, int]] = []
        read = app.events.get

        def spy(originator_id: Any, **kwargs: Any) -> list[Any]:
            found = list(read(originator_id, **kwargs))
            reads.append((kwargs.get("gt"), kwargs.get("lte"), len(found)))
            return found

        monkeypatch.setattr(app.events, "get", spy)
        reloaded = app.get_trajectory(trajectory.id)
        assert reloaded is not None and reloaded.__dict__ == trajectory.__dict__
        assert reads == [(6, None, 0)]
    finally:
        app.close()


def test_a_file_with_the_old_snapshot_table_is_converted_keeping_its_rows(
        tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    app = _open(path)
    try:
        trajectory = _trajectory_with_snapshot(app)
    finally:
        app.close()
    with sqlite3.connect(path) as connection:  # as eventsourcing 9.5 made it
        rows = connection.execute(f"SELECT * FROM {SNAPSHOTS_TABLE}").fetchall()
        connection.execute(f"DROP TABLE {SNAPSHOTS_TABLE}")
        connection.execute(
            f"CREATE TABLE {SNAPSHOTS_TABLE} (originator_id TEXT, originator_version "
            "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, "
            "originator_version)) WITHOUT ROWID")
        connection.executemany(f"INSERT INTO {SNAPSHOTS_TABLE} VALUES (?,?,?,?)", rows)
    assert "WITHOUT ROWID" in _table_sql(path).upper()

    app = _open(path)
    try:
        assert "WITHOUT ROWID" not in _table_sql(path).upper()
        assert app.snapshots is not None
        assert [s.originator_version for s in app.snapshots.get(trajectory.id)] == [6]
        reloaded = app.get_trajectory(trajectory.id)
        assert reloaded is not None and reloaded.__dict__ == trajectory.__dict__
    finally:
        app.close()
