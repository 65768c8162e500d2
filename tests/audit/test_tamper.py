"""Tampering with the SQLite file directly: every kind of damage is found, at its version."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from decisionlog.audit.diagnose import Problem
from decisionlog.audit.verify import TrajectoryVerification, verify, verify_trajectory
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.infrastructure.transcodings import TextJSONTranscoder, register_entity_transcodings
from tests.audit.helpers import (
    SnapshotEveryThird,
    delete,
    forge,
    merger_story,
    open_app,
    open_audit,
    set_state,
    small_story,
    state_of,
    stored_events,
)

TABLES = TextJSONTranscoder()  # how the application writes snapshots
register_entity_transcodings(TABLES)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def story(db: Path) -> tuple[UUID, UUID]:
    """Two trajectories in one file: the merger story (29 events) and a small one (5)."""
    app = open_app(db)
    merger = merger_story(app)
    small = small_story(app, 5)
    app.close()
    return merger, small


def outcome(db: Path, trajectory_id: UUID) -> TrajectoryVerification:
    """Both ways in must agree: the whole store, and the one trajectory."""
    app = open_audit(db)
    whole = verify(app).get(trajectory_id)
    alone = verify_trajectory(app, trajectory_id)
    app.close()
    assert whole is not None and whole == alone
    return whole


def test_an_untouched_store_verifies(db: Path, story: tuple[UUID, UUID]) -> None:
    merger, small = story
    app = open_app(db)
    report = verify(app)
    assert report.ok and report.events_checked == 34
    assert [t.trajectory_id for t in report.trajectories] == [str(merger), str(small)]
    first = report.trajectories[0]
    trajectory = app.get_trajectory(merger)
    assert trajectory is not None
    assert (first.event_count, first.intact_count, first.head_digest) == (
        29, 29, trajectory.head_digest)


def test_one_changed_byte_is_altered_at_its_version(db: Path, story: tuple[UUID, UUID]
                                                   ) -> None:
    merger, small = story
    with stored_events(db) as connection:
        state = bytearray(state_of(connection, merger, 11))
        at = state.index(b"Keep two regional tracks")
        state[at] ^= 0x01  # "K" becomes "J"
        set_state(connection, merger, 11, bytes(state))
    result = outcome(db, merger)
    assert result.damage is not None
    assert (result.damage.version, result.damage.problem) == (11, Problem.ALTERED)
    assert (result.intact_count, result.event_count) == (10, 29)
    assert outcome(db, small).ok


def test_a_deleted_row_is_missing_at_its_version(db: Path, story: tuple[UUID, UUID]) -> None:
    merger, _ = story
    with stored_events(db) as connection:
        delete(connection, merger, 7)
    result = outcome(db, merger)
    assert result.damage is not None
    assert (result.damage.version, result.damage.problem) == (7, Problem.MISSING)


def test_two_swapped_rows_are_reordered_at_the_first(db: Path, story: tuple[UUID, UUID]
                                                    ) -> None:
    merger, _ = story
    with stored_events(db) as connection:
        five, twelve = state_of(connection, merger, 5), state_of(connection, merger, 12)
        set_state(connection, merger, 5, twelve)
        set_state(connection, merger, 12, five)
    result = outcome(db, merger)
    assert result.damage is not None
    assert (result.damage.version, result.damage.problem) == (5, Problem.REORDERED)
    assert "version 12" in result.damage.detail


def test_a_forged_row_appended_at_the_next_version_is_found(
        db: Path, story: tuple[UUID, UUID]) -> None:
    merger, _ = story
    with stored_events(db) as connection:
        copied = state_of(connection, merger, 12)  # a decision, replayed as a new one
        forge(connection, merger, 30, copied, like=12)
    result = outcome(db, merger)
    assert result.damage is not None
    assert (result.damage.version, result.damage.problem) == (30, Problem.INSERTED)
    assert result.intact_count == 29


def test_a_forged_row_with_new_content_is_altered(db: Path, story: tuple[UUID, UUID]) -> None:
    merger, _ = story
    with stored_events(db) as connection:
        forged = state_of(connection, merger, 12).replace(b"Merge the tracks", b"Split it all")
        forge(connection, merger, 30, forged, like=12)
    result = outcome(db, merger)
    assert result.damage is not None
    assert (result.damage.version, result.damage.problem) == (30, Problem.ALTERED)


def test_a_deleted_last_row_is_found_only_against_an_anchor(
        db: Path, story: tuple[UUID, UUID]) -> None:
    merger, _ = story
    before = outcome(db, merger)
    with stored_events(db) as connection:
        delete(connection, merger, 29)
    assert outcome(db, merger).ok  # a shorter chain is still a chain
    app = open_audit(db)
    anchored = verify(app, anchors={str(merger): before.head_digest}).get(merger)
    assert anchored is not None and anchored.damage is not None
    assert (anchored.damage.version, anchored.damage.problem) == (29, Problem.TRUNCATED)


def test_every_single_byte_change_of_a_stored_event_is_found(
        db: Path, story: tuple[UUID, UUID]) -> None:
    merger, _ = story
    with stored_events(db) as connection:
        original = state_of(connection, merger, 11)
    app = open_audit(db)
    with stored_events(db) as connection:
        connection.execute("PRAGMA synchronous=OFF")
        for offset in range(len(original)):
            for mask in (0x01, 0x20):
                changed = bytearray(original)
                changed[offset] ^= mask
                set_state(connection, merger, 11, bytes(changed))
                connection.commit()
                result = verify(app, merger).get(merger)
                assert result is not None and result.damage is not None, (offset, mask)
                assert result.damage.version == 11, (offset, mask, result.damage)
    app.close()


def test_an_altered_snapshot_is_found_when_snapshots_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "snapshots.db"
    writer = SnapshotEveryThird(env=parse_database_url(f"sqlite:///{path}").env)
    merger = merger_story(writer)
    writer.close()
    reader = open_audit(path)
    assert verify(reader, snapshots=True).ok
    with stored_events(path) as connection:
        (version, state), = connection.execute(
            "SELECT originator_version, state FROM stored_snapshots WHERE originator_id=? "
            "ORDER BY originator_version DESC LIMIT 1", (merger.hex,))
        # decoded, changed and encoded again: the records are stored compressed
        snapshot = reader.mapper.transcoder.decode(bytes(state))
        decision = next(d for d in snapshot["state"]["decisions"].values()
                        if d.title.startswith("Keep two regional"))
        decision.title = decision.title.replace("two", "one")
        connection.execute(
            "UPDATE stored_snapshots SET state=? WHERE originator_id=? AND originator_version=?",
            (TABLES.encode(snapshot), merger.hex, version))
    assert verify(reader).ok  # every event is intact
    result = verify(reader, snapshots=True).get(merger)
    assert result is not None and result.damage is not None
    assert (result.damage.version, result.damage.problem) == (27, Problem.SNAPSHOT_ALTERED)
    assert result.intact_count == 29
