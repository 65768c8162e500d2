"""Properties: any valid history verifies; any single change to its stored rows does not."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from decisionlog.audit.export import export_jsonl
from decisionlog.audit.replay import replay_jsonl
from decisionlog.audit.verify import verify
from tests.audit.helpers import (
    delete,
    forge,
    open_app,
    open_audit,
    random_history,
    set_state,
    small_story,
    state_of,
    stored_events,
)

STEPS = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10_000), st.text(max_size=12)),
                 max_size=14)
MUTATIONS = ("flip", "delete", "swap", "copy", "edited-copy", "renumber", "retopic", "move")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def store(steps: list[tuple[int, int, str]]) -> Iterator[tuple[Path, UUID, UUID, int]]:
    """A SQLite file with a random trajectory and a small one; their ids and the length."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "property.db"
        app = open_app(path)
        tid = random_history(app, steps)
        other = small_story(app, 3, name="Bystander")
        trajectory = app.get_trajectory(tid)
        assert trajectory is not None
        app.close()
        yield path, tid, other, trajectory.version


@given(steps=STEPS)
@SETTINGS
def test_any_valid_history_verifies_and_round_trips(steps: list[tuple[int, int, str]]) -> None:
    with store(steps) as (path, tid, _, version):
        app = open_app(path)
        report = verify(app)
        trajectory = app.get_trajectory(tid)
        assert trajectory is not None
        outcome = report.get(tid)
        assert report.ok and outcome is not None
        assert (outcome.event_count, outcome.head_digest) == (version, trajectory.head_digest)
        assert replay_jsonl(export_jsonl(app, tid)) == trajectory
        app.close()


def _mutate(connection: sqlite3.Connection, data: st.DataObject, tid: UUID, other: UUID,
            length: int) -> int:
    """Make one change to the stored rows of `tid`; the first version it breaks."""
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    version = data.draw(st.integers(1, length), label="version")
    state = state_of(connection, tid, version)
    if kind == "flip":
        offset = data.draw(st.integers(0, len(state) - 1), label="offset")
        mask = data.draw(st.sampled_from([0x01, 0x02, 0x20, 0x40, 0x80]), label="mask")
        changed = bytearray(state)
        changed[offset] ^= mask
        assume(not _same_json(state, bytes(changed)))  # an equivalent spelling changes nothing
        set_state(connection, tid, version, bytes(changed))
        return version
    if kind == "delete":
        delete(connection, tid, version)
        return version
    if kind == "swap":
        assume(length >= 2)
        second = data.draw(st.integers(1, length).filter(lambda v: v != version), label="with")
        set_state(connection, tid, version, state_of(connection, tid, second))
        set_state(connection, tid, second, state)
        return min(version, second)
    if kind in ("copy", "edited-copy"):
        if kind == "edited-copy":
            state = state.replace(b'"recorded_by":"', b'"recorded_by":"forger ')
        forge(connection, tid, length + 1, state, like=version)
        return length + 1
    if kind == "renumber":
        connection.execute("UPDATE stored_events SET originator_version=? WHERE "
                           "originator_id=? AND originator_version=?",
                           (length + 1, tid.hex, version))
        return version
    if kind == "retopic":
        topics = [t for (t,) in connection.execute("SELECT DISTINCT topic FROM stored_events")]
        (topic,) = connection.execute(
            "SELECT topic FROM stored_events WHERE originator_id=? AND originator_version=?",
            (tid.hex, version)).fetchone()
        new = data.draw(st.sampled_from(sorted(set(topics) - {topic})), label="topic")
        connection.execute("UPDATE stored_events SET topic=? WHERE originator_id=? AND "
                           "originator_version=?", (new, tid.hex, version))
        return version
    connection.execute("UPDATE stored_events SET originator_id=?, originator_version=? "
                       "WHERE originator_id=? AND originator_version=?",
                       (other.hex, 4, tid.hex, version))  # moved onto the bystander's end
    return version


def _same_json(before: bytes, after: bytes) -> bool:
    try:
        return bool(json.loads(before) == json.loads(after))
    except ValueError:
        return False


@given(steps=STEPS, data=st.data())
@SETTINGS
def test_any_single_change_to_a_stored_history_is_found_at_its_version(
        steps: list[tuple[int, int, str]], data: st.DataObject) -> None:
    with store(steps) as (path, tid, other, length):
        reader = open_audit(path)
        anchors = {t.trajectory_id: t.head_digest for t in verify(reader).trajectories}
        with stored_events(path) as connection:
            broken = _mutate(connection, data, tid, other, length)
        for report in (verify(reader, anchors=anchors), verify(reader, tid, anchors=anchors)):
            outcome = report.get(tid)
            assert outcome is not None and outcome.damage is not None
            assert outcome.damage.version == broken, outcome.damage
            assert outcome.intact_count == broken - 1
        reader.close()
