"""Snapshot layouts: records as compressed tables, and the dict layout of every snapshot
written before them, which stays readable."""

from __future__ import annotations

import base64
import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper

import decisionlog.infrastructure.transcodings as transcodings
from decisionlog.domain.entities import Decision, IdempotencyRecord, RoleChange
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import DecisionStatus, Provenance, Side
from decisionlog.infrastructure.transcodings import TextJSONTranscoder, register_entity_transcodings

# Written by decisionlog before tables (commit 53da6c5): an 8-event trajectory
OLD_SNAPSHOT = Path(__file__).with_name("old_format_snapshot.json")
OLD_ID = UUID("7a1c0f2e-0000-4000-8000-000000000001")
P = Provenance("anna", None, None)


def _transcoders() -> tuple[TextJSONTranscoder, JSONTranscoder]:
    """The application's transcoder, and the plain one the audit reader uses."""
    text, plain = TextJSONTranscoder(), JSONTranscoder()
    register_entity_transcodings(text)
    register_entity_transcodings(plain)
    return text, plain


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, 30, tzinfo=UTC)


def _trajectory(decisions: int) -> Trajectory:
    t = Trajectory.start(name="Tables", client=None, description=None, provenance=P,
                         now=_at(1))
    anna = t.add_member(name="Anna", role="lead", side="CLIENT", membership="CORE",
                        provenance=P, now=_at(1))
    bram = t.add_member(name="Bram", role="designer", side="PROVIDER", membership="CORE",
                        provenance=P, now=_at(1))
    t.change_member(member_id=bram, role="lead", membership="SPECIALIST", provenance=P,
                    now=_at(2))
    domain = t.define_domain(name="Design", description=None, provenance=P, now=_at(2))
    t.grant_right(domain_id=domain, member_id=None, role="lead", right="ADVISES",
                  condition=None, provenance=P, now=_at(2))
    previous: list[str] = []
    for n in range(decisions):
        previous = [t.record_decision(
            domain_id=domain, title=f"Decision {n}", statement="Ünïcode – text.",
            rationale=None if n % 2 else "why", decided_by=[anna], consulted=[bram],
            options_considered=["a", "b"] if n % 3 == 0 else None, supersedes=previous,
            provenance=Provenance("anna", f"key-{n}" if n % 4 == 0 else None, "d" * 64),
            decided_at=_at(1) if n % 5 == 0 else None)]
    return t


def _stored_state(transcoder: JSONTranscoder, trajectory: Trajectory) -> bytes:
    snapshot = Trajectory.Snapshot.take(trajectory)
    return Mapper(transcoder=transcoder).to_stored_event(snapshot).state


def _loaded(transcoder: JSONTranscoder, state: bytes | str, trajectory_id: UUID,
            version: int) -> Trajectory:
    snapshot = Trajectory.Snapshot(originator_id=trajectory_id, originator_version=version,
                                   **transcoder.decode(state))
    loaded = snapshot.mutate(None)
    assert isinstance(loaded, Trajectory)
    return loaded


def test_an_old_format_snapshot_still_decodes() -> None:
    text, plain = _transcoders()
    stored = OLD_SNAPSHOT.read_bytes()
    assert b'"_type_":"Decision"' in stored and b"entity_table" not in stored
    old = _loaded(text, stored.decode(), OLD_ID, 8)
    assert old.__dict__ == _loaded(plain, stored, OLD_ID, 8).__dict__
    assert (old.name, old.client, old.version) == ("Old snapshot", "Acme", 8)
    anna, bram = old.members.values()
    assert (anna.name, anna.side, bram.side) == ("Anna", Side.CLIENT, Side.PROVIDER)
    assert bram.role_history == [RoleChange(_at(2), "designer"), RoleChange(_at(3), "lead")]
    (right,) = old.rights.values()
    assert (right.member_id, right.condition) == (anna.id, "in year one")
    first, second = old.decisions.values()
    assert first.decided_at == _at(1) and first.recorded_at == _at(5)
    assert (first.options_considered, first.decided_by, first.consulted) == (
        ["one", "two"], [anna.id], [bram.id])
    assert first.status is DecisionStatus.SUPERSEDED and first.superseded_by == [second.id]
    assert second.supersedes == [first.id] and second.decided_at == _at(6)
    assert old.idempotency == {"key-1": IdempotencyRecord(7, "d" * 64, first.id)}
    # written again, it is written as tables, and reads back the same
    again = _stored_state(text, old)
    assert b"entity_table" in again and len(again) < len(stored)
    assert _loaded(text, again, OLD_ID, 8).__dict__ == old.__dict__


def test_records_are_stored_as_compressed_tables_and_read_back_equal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcodings, "ROWS_PER_CHUNK", 3)
    text, plain = _transcoders()
    trajectory = _trajectory(decisions=10)
    trajectory.collect_events()
    stored = _stored_state(text, trajectory)
    for name in (b"Decision 1", b'"_type_":"Decision"', b'"_type_":"Member"'):
        assert name not in stored
    document = json.loads(stored)
    chunks = document["state"]["decisions"]["_data_"]
    assert [c["_type_"] for c in chunks] == ["entity_rows"] * 4  # 10 rows, 3 a chunk
    assert {c["_data_"]["keyed"] for c in chunks} == {False}  # each under its own id
    (keyed,) = document["state"]["idempotency"]["_data_"]  # 3 records, by idempotency key
    assert (keyed["_data_"]["class"], keyed["_data_"]["keyed"]) == ("IdempotencyRecord", True)
    assert list(trajectory.idempotency) == ["key-0", "key-4", "key-8"]
    for transcoder, state in ((text, stored), (text, stored.decode()), (plain, stored)):
        loaded = _loaded(transcoder, state, trajectory.id, trajectory.version)
        assert loaded.__dict__ == trajectory.__dict__
        assert list(loaded.decisions) == list(trajectory.decisions)  # order kept
    for key, decision in loaded.decisions.items():
        assert key is decision.id
        assert sys.getsizeof(decision.decided_by) == sys.getsizeof(decision.decided_by[:])
    first = loaded.decisions[next(iter(loaded.decisions))]
    assert first.decided_at is not None and first.decided_at != first.recorded_at
    for decision in list(loaded.decisions.values())[1:5]:
        assert decision.decided_at is decision.recorded_at  # equal moments shared


def test_events_are_encoded_as_before() -> None:
    text, plain = _transcoders()
    trajectory = _trajectory(decisions=3)
    for event in trajectory.collect_events():
        assert (Mapper(transcoder=text).to_stored_event(event).state
                == Mapper(transcoder=plain).to_stored_event(event).state)


def _rows(fields: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    data = zlib.compress(json.dumps(rows).encode())
    return {"_type_": "entity_rows", "_data_": {
        "class": "Decision", "fields": fields, "keyed": False,
        "rows": base64.b64encode(data).decode()}}


def test_rows_are_read_by_field_name_when_the_fields_differ() -> None:
    text, _ = _transcoders()
    fields = ["title", "id", "domain_id", "statement", "rationale", "options_considered",
              "decided_by", "consulted", "scale", "kind", "origin", "status", "decided_at",
              "recorded_at"]  # the rest have defaults
    row = ["T", "d1", "x", "S", None, [], ["m"], [], "SMALL", "DECISION", "EXPLICIT",
           "IN_FORCE", None, "2026-03-01T09:30:00+00:00"]
    document = {"_type_": "entity_table", "_data_": [_rows(fields, [row])]}
    decoded = text.decode(json.dumps(document))
    assert decoded == {"d1": Decision(
        id="d1", domain_id="x", title="T", statement="S", rationale=None,
        options_considered=[], decided_by=["m"], consulted=[], scale="SMALL",  # type: ignore[arg-type]
        kind="DECISION", origin="EXPLICIT", status="IN_FORCE",  # type: ignore[arg-type]
        decided_at=None, recorded_at=_at(1))}


def test_records_under_other_keys_keep_their_keys() -> None:
    text, _ = _transcoders()
    decisions = list(_trajectory(decisions=3).decisions.values())
    state = {"by_title": {d.title: d for d in decisions}, "mixed": {"a": decisions[0], "b": 1},
             "empty": {}, "by_number": {1: decisions[0]}}
    stored = json.loads(text.encode({"state": state}))["state"]
    assert stored["by_title"]["_type_"] == "entity_table"
    assert stored["mixed"]["a"]["_type_"] == "Decision"  # not all records: a dict as before
    assert stored["by_number"]["1"]["_type_"] == "Decision"  # keys that are not text
    decoded = text.decode(text.encode({"state": state}))["state"]
    assert decoded == {**state, "by_number": {"1": decisions[0]}}
    assert list(decoded["by_title"]) == [d.title for d in decisions]


@pytest.mark.parametrize("change", ["row", "datetime", "field", "base64", "key"])
def test_altered_rows_do_not_decode(change: str) -> None:
    text, _ = _transcoders()
    trajectory = _trajectory(decisions=2)
    document = json.loads(_stored_state(text, trajectory))
    chunk = document["state"]["decisions"]["_data_"][0]["_data_"]
    rows = json.loads(zlib.decompress(base64.b64decode(chunk["rows"])))
    if change == "row":
        rows[0].append(None)
    elif change == "datetime":
        rows[0][chunk["fields"].index("recorded_at")] = "2026-03-01 09:30:00+00:00"
    elif change == "field":
        chunk["fields"][0] = "identity"
    elif change == "key":
        chunk["keyed"] = True
        rows[0].insert(0, 7)
    if change == "base64":
        chunk["rows"] = "!" + chunk["rows"]
    else:
        chunk["rows"] = base64.b64encode(zlib.compress(json.dumps(rows).encode())).decode()
    with pytest.raises((TypeError, ValueError)):  # the mapper wraps either
        text.decode(json.dumps(document))


def test_decoded_empty_lists_are_one_shared_list_that_refuses_change() -> None:
    text, _ = _transcoders()
    trajectory = _trajectory(decisions=6)
    trajectory.collect_events()
    loaded = _loaded(text, _stored_state(text, trajectory), trajectory.id, trajectory.version)
    assert loaded.__dict__ == trajectory.__dict__
    empties = [getattr(d, name) for d in loaded.decisions.values()
               for name in ("within_frames", "review_reasons", "confirmations", "outcomes",
                            "informed", "ratified_by", "closed_by")]
    assert empties and all(e == [] and e is empties[0] for e in empties)
    shared = empties[0]
    for change in (lambda: shared.append("x"), lambda: shared.extend(["x"]),
                   lambda: shared.insert(0, "x"), lambda: shared.__iadd__(["x"])):
        with pytest.raises(TypeError, match="shared"):
            change()
    assert shared == [] and [*shared, "x"] == ["x"]
    # A change replaces the record with a new list, as the events do; the others keep [].
    first, second = list(loaded.decisions.values())[:2]
    assert first.within_frames is second.within_frames
    copied = Trajectory.Snapshot.take(loaded).mutate(None)
    assert copied is not None and copied.__dict__ == trajectory.__dict__
