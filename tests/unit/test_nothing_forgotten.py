"""Nothing can be forgotten silently when an event, a command or a piece of state is added.

Every event type has a read-model handler, a place in the audit register, a line in the
jsonl export and a summary of its own; the trajectory's whole state survives a snapshot,
and a snapshot of an older format still reads (with every attribute today's state has).
"""

from __future__ import annotations

import json
from pathlib import Path

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit import register, summaries
from decisionlog.audit.export import export_jsonl
from decisionlog.domain import event_base, events
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance
from decisionlog.readmodels import projector
from tests.audit.helpers import looking_back_story, merger_story
from tests.unit.test_snapshot_tables import (
    OLD_ID,
    OLD_SNAPSHOT,
    _loaded,
    _stored_state,
    _transcoders,
)


def event_types() -> list[type[events.TrajectoryEvent]]:
    """Every event class of the trajectory's stream, wherever in the domain it is
    defined (`events.py`, `review_events.py`, or beside the commands of its area, as
    `phases.py`)."""
    found: list[type[events.TrajectoryEvent]] = []
    pending = [events.TrajectoryEvent]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("decisionlog.domain.") and sub not in found:
                found.append(sub)
                pending.append(sub)
    return found


def test_there_are_the_twenty_two_event_types() -> None:
    import decisionlog.domain.trajectory  # noqa: F401  (imports every area's events)

    assert len(event_types()) == 22


def test_later_fields_have_empty_defaults_and_are_left_out_until_set() -> None:
    """A field added to a stored event type must not change the digest of events made
    without it (old stores verify unchanged)."""
    for event_type in event_types():
        for name in event_type.later_fields:
            assert event_base.unset(getattr(event_type, name)), (event_type, name)


def test_every_event_type_has_a_read_model_handler() -> None:
    assert [t.__name__ for t in event_types() if t not in projector._HANDLERS] == []


def test_every_event_type_has_a_place_in_the_register() -> None:
    assert [t.__name__ for t in event_types() if t not in register.SECTIONS] == []
    assert set(register.SECTIONS.values()) <= {"heading", "team", "decisions", "mandates"}


def test_every_event_type_has_a_summary_of_its_own() -> None:
    base = events.TrajectoryEvent.summary
    assert [t.__name__ for t in event_types() if t.summary is base] == []
    # and one in words, naming people and domains, for histories and the register
    assert [t.__name__ for t in event_types() if t not in summaries._RENDERERS] == []


def story(tmp_path: Path) -> tuple[DecisionLog, Trajectory]:
    """A trajectory with every kind of event, closed at the end."""
    app = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    tid = merger_story(app)
    looking_back_story(app, tid)
    app.handle(c.CloseTrajectory(trajectory_id=str(tid), reason="done"), recorded_by="x")
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    return app, trajectory


def test_every_event_type_is_exported(tmp_path: Path) -> None:
    app, trajectory = story(tmp_path)
    exported = {json.loads(line)["type"] for line in export_jsonl(app, trajectory.id)}
    assert exported == {t.__name__ for t in event_types()}
    app.close()


def test_the_whole_state_survives_a_snapshot(tmp_path: Path) -> None:
    """A new attribute of the trajectory's state that a snapshot does not restore (not
    stored, or read back as something else) fails here."""
    app, trajectory = story(tmp_path)
    text, _ = _transcoders()
    restored = _loaded(text, _stored_state(text, trajectory), trajectory.id,
                       trajectory.version)
    assert vars(restored).keys() == vars(trajectory).keys()
    for name, value in vars(trajectory).items():
        if name != "_pending_events":
            assert vars(restored)[name] == value, name
    assert restored == trajectory
    app.close()


def test_snapshots_carry_their_format_version() -> None:
    trajectory = Trajectory.Snapshot.take(Trajectory.start(
        name="T", client=None, description=None,
        provenance=Provenance("x")))
    assert trajectory.state["class_version"] == Trajectory.class_version >= 2


def test_a_snapshot_of_the_oldest_format_reads_with_every_attribute_of_today() -> None:
    """A new attribute needs a new snapshot format version and an upcaster that gives
    older snapshots a value for it: without them this fails."""
    text, _ = _transcoders()
    old = _loaded(text, OLD_SNAPSHOT.read_bytes().decode(), OLD_ID, 8)
    fresh = Trajectory.start(name="T", client=None, description=None,
                             provenance=Provenance("x"))
    assert vars(old).keys() == vars(fresh).keys()
