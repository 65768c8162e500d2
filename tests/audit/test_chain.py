"""The hash chain as the domain writes it: every event linked, replay and snapshots intact."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from decisionlog.audit.stored import fast_canonical
from decisionlog.audit.verify import verify
from decisionlog.domain import chain
from decisionlog.infrastructure.config import parse_database_url
from tests.audit.helpers import SnapshotEveryThird, merger_story, open_app


def test_every_event_links_to_the_one_before_from_the_genesis(tmp_path: Path) -> None:
    app = open_app(tmp_path / "chain.db")
    tid = merger_story(app)
    previous = hashlib.sha256(str(tid).encode("ascii")).hexdigest()
    assert chain.genesis_digest(tid) == previous
    for event in app.history(tid):
        assert event.previous_digest == previous
        assert chain.record_digest(event.chain_record()) == event.digest
        assert "digest" not in event.data() and "previous_digest" not in event.data()
        previous = event.digest
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None and trajectory.head_digest == previous


def test_the_record_is_the_documented_one(tmp_path: Path) -> None:
    app = open_app(tmp_path / "chain.db")
    tid = merger_story(app)
    first = next(app.history(tid))
    assert first.chain_record() == {
        "trajectoryId": str(tid), "version": 1, "type": "TrajectoryStarted",
        "recordedAt": first.timestamp.isoformat(), "recordedBy": "auditor-test",
        "idempotencyKey": "start", "inputDigest": first.input_digest,
        "data": {"name": "Merger programme", "client": "Zorg & Welzijn",
                 "description": "Two organisations become one."},
        "previousDigest": chain.genesis_digest(tid),
    }


def test_replay_from_store_and_from_snapshots_rebuilds_the_same_state(tmp_path: Path) -> None:
    env = parse_database_url(f"sqlite:///{tmp_path}/snap.db").env
    writer = SnapshotEveryThird(env=env)
    tid = merger_story(writer)
    live = writer.get_trajectory(tid)
    assert writer.snapshots is not None and list(writer.snapshots.get(tid))
    from_snapshot = SnapshotEveryThird(env=env).get_trajectory(tid)
    from_events: Any = None
    for event in writer.events.get(tid):
        from_events = event.mutate(from_events)
    assert live is not None and from_snapshot is not None
    assert from_snapshot == live == from_events
    assert from_snapshot.head_digest == live.head_digest
    assert verify(writer).ok


def test_a_trajectory_as_of_a_version_has_that_events_digest(tmp_path: Path) -> None:
    app = open_app(tmp_path / "chain.db")
    tid = merger_story(app)
    digests = [e.digest for e in app.history(tid)]
    for version in (1, 7, 29):
        earlier = app.get_trajectory(tid, version=version)
        assert earlier is not None and earlier.head_digest == digests[version - 1]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(record=st.dictionaries(st.text(), JSON, max_size=6))
def test_the_fast_encoder_writes_the_canonical_bytes(record: dict[str, Any]) -> None:
    try:
        expected = chain.canonical(record)
    except UnicodeEncodeError:  # lone surrogates cannot be stored at all
        return
    assert fast_canonical(record) == expected
