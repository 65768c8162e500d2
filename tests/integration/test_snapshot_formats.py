"""A SQLite file whose snapshots are in the layout written before tables (records as
dicts) serves and verifies as before; new snapshots are written as tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper

from decisionlog.application import DecisionLog
from decisionlog.audit.reader import open_reader
from decisionlog.audit.verify import verify
from decisionlog.domain.trajectory import Trajectory
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.infrastructure.snapshots import SNAPSHOTS_TABLE
from decisionlog.infrastructure.transcodings import register_entity_transcodings
from tests.audit.helpers import merger_story, open_app


def _snapshot_states(path: Path) -> list[bytes]:
    with sqlite3.connect(path) as connection:
        return [bytes(row[0]) for row in connection.execute(
            f"SELECT state FROM {SNAPSHOTS_TABLE} ORDER BY originator_version")]


def _from_events(app: DecisionLog, trajectory_id: UUID, version: int | None = None
                 ) -> Trajectory:
    """The trajectory rebuilt from its stored events alone, never from a snapshot."""
    rebuilt: Any = None
    for event in app.events.get(trajectory_id, lte=version):
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Trajectory)
    return rebuilt


def _serves_and_verifies(path: Path, trajectory: Trajectory, at_21: Trajectory) -> None:
    app = open_app(path)
    try:
        assert app.snapshots is not None
        (snapshot,) = app.snapshots.get(trajectory.id)
        assert snapshot.mutate(None) == at_21
        loaded = app.get_trajectory(trajectory.id)  # from the snapshot, then one event
        assert loaded is not None and loaded.__dict__ == trajectory.__dict__
    finally:
        app.close()
    reader = open_reader(parse_database_url(f"sqlite:///{path}").env)
    try:
        assert verify(reader, snapshots=True).ok
    finally:
        reader.close()


def test_old_and_new_snapshots_load_the_state_the_events_give(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    app = open_app(path)
    try:
        merger = merger_story(app)
        app.take_snapshot(merger, version=21)
        replayed = _from_events(app, merger)
        at_21 = _from_events(app, merger, version=21)
        assert (at_21.version, replayed.version) == (21, 29)
    finally:
        app.close()
    (new,) = _snapshot_states(path)
    assert b"entity_table" in new and b"Keep two regional" not in new
    _serves_and_verifies(path, replayed, at_21)

    # the same state as the code before tables wrote it
    old = JSONTranscoder()
    register_entity_transcodings(old)
    stored = Mapper(transcoder=old).to_stored_event(Trajectory.Snapshot.take(at_21))
    assert b'"_type_":"Decision"' in stored.state
    with sqlite3.connect(path) as connection:
        connection.execute(f"UPDATE {SNAPSHOTS_TABLE} SET state = ?", (stored.state,))
    assert _snapshot_states(path) == [stored.state]
    _serves_and_verifies(path, replayed, at_21)
