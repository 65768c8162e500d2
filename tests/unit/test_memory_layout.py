"""How the trajectory's state is laid out in memory: slotted records, shared strings, and
snapshots read as text (decoded as the bytes would be)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from decisionlog.domain.entities import Decision
from decisionlog.infrastructure.transcodings import (
    ENTITY_CLASSES,
    TextJSONTranscoder,
    register_entity_transcodings,
)

DECISION: dict[str, Any] = {
    "id": "d1", "domain_id": "domain-1", "title": "T", "statement": "S", "rationale": None,
    "options_considered": ["Option A"], "decided_by": ["member-1"], "consulted": [],
    "scale": "SMALL", "kind": "DECISION", "origin": "EXPLICIT", "status": "IN_FORCE",
    "decided_at": None, "recorded_at": "2026-01-01T00:00:00+00:00",
}


@pytest.mark.parametrize("cls", ENTITY_CLASSES)
def test_entities_are_slotted(cls: type[Any]) -> None:
    assert "__slots__" in vars(cls) and "__dict__" not in dir(cls)
    assert dataclasses.is_dataclass(cls)


def test_decoded_records_share_equal_reference_strings() -> None:
    transcoder = TextJSONTranscoder()
    register_entity_transcodings(transcoder)
    first = Decision(**{**DECISION, "recorded_at": None})  # type: ignore[arg-type]
    second = dataclasses.replace(first, id="d2")
    encoded = transcoder.encode({"a": first, "b": second})
    from_bytes = transcoder.decode(encoded)
    from_text = transcoder.decode(encoded.decode("utf8"))
    assert from_bytes == from_text == {"a": first, "b": second}
    a, b = from_text["a"], from_text["b"]
    assert a.domain_id is b.domain_id and a.decided_by[0] is b.decided_by[0]
    assert a.decided_by is not b.decided_by  # lists stay the record's own
