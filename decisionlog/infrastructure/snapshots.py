"""Snapshots on SQLite in a table whose key index holds only the keys.

eventsourcing 9.5 keeps SQLite snapshots in a WITHOUT ROWID table, where each row lives
in the primary-key b-tree itself. A long trajectory's snapshot is large (89 MB for one
of 100,000 events), and a b-tree search that compares a key with a cell that spills
onto overflow pages reads the whole cell first: with that one snapshot in the file,
looking up the snapshot of any other trajectory took 70 ms and allocated 89 MB. In an
ordinary (rowid) table the key index holds only (originator_id, originator_version), and
a lookup reads just the row it finds. A file made with the old table is converted, its
snapshots kept, when the application opens it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteFactory

if TYPE_CHECKING:
    from eventsourcing.persistence import (
        AggregateRecorder,
        InfrastructureFactory,
        TrackingRecorder,
    )
    from eventsourcing.sqlite import SQLiteCursor

SNAPSHOTS_TABLE = "stored_snapshots"


class SQLiteSnapshotRecorder(SQLiteAggregateRecorder):
    """eventsourcing's SQLite recorder, on a rowid table.

    With `state_as_text`, the state is read as text (`str`, for a transcoder that decodes
    JSON text): a snapshot then is not held as bytes and as text at once while it is
    decoded, which for the 89 MB snapshot of a 100,000-event trajectory was 89 MB of the
    process's peak (snapshots written before tables; see `decisionlog.infrastructure.transcodings`).
    """

    def __init__(self, *args: Any, state_as_text: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if state_as_text:
            self.select_events_statement = (
                "SELECT originator_id, originator_version, topic, "
                f"CAST(state AS TEXT) AS state FROM {self.events_table_name} "
                "WHERE originator_id=? ")

    def construct_create_table_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.events_table_name} ("
            "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
            "PRIMARY KEY (originator_id, originator_version))"
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        table = self.events_table_name
        c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        row = c.fetchone()
        if row is not None and "WITHOUT ROWID" in str(row[0]).upper():
            c.execute(f"ALTER TABLE {table} RENAME TO {table}_without_rowid")
            super()._create_table(c)
            c.execute(f"INSERT INTO {table} SELECT originator_id, originator_version, "
                      f"topic, state FROM {table}_without_rowid")
            c.execute(f"DROP TABLE {table}_without_rowid")
        else:
            super()._create_table(c)


def snapshot_recorder(factory: InfrastructureFactory[TrackingRecorder], *,
                      state_as_text: bool = False) -> AggregateRecorder:
    """The recorder of the application's snapshots: on SQLite, `SQLiteSnapshotRecorder`."""
    if not isinstance(factory, SQLiteFactory):
        return factory.aggregate_recorder(purpose="snapshots")
    recorder = SQLiteSnapshotRecorder(factory.datastore, events_table_name=SNAPSHOTS_TABLE,
                                      state_as_text=state_as_text)
    if factory.env_create_table():
        recorder.create_table()
    return recorder


def snapshot_due(version: int, interval: int) -> bool:
    """Whether to snapshot a trajectory at `version`, given its snapshot interval.

    Every `interval` events up to ten intervals; after that only at interval x 2^k and
    interval x 1.5 x 2^k (each step at most 1.5 times the last). A trajectory only grows,
    so snapshots at a fixed interval would add up to a size quadratic in its length (a
    100,000-event trajectory: about 21 GB at every 200 events). With widening steps the
    snapshots of a trajectory add up to a few times its latest one, and loading it (or an
    earlier version) replays at most a third of its events after the nearest snapshot.
    """
    if interval <= 0 or version % interval:
        return False
    steps = version // interval
    if steps <= 10:
        return True
    while steps % 2 == 0:
        steps //= 2
    return steps in (1, 3)
