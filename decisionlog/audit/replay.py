"""Rebuilding a trajectory from a jsonl export, without the store.

Each line is a chain record plus its digest (`decisionlog.domain.chain`); the line's
`data` holds the event's own fields, datetimes as ISO strings. Replaying checks the chain
first, so a damaged export is refused rather than rebuilt.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from decisionlog.audit.stored import TRAJECTORY_TOPIC, event_classes_by_name
from decisionlog.domain import chain
from decisionlog.domain.events import TrajectoryEvent, TrajectoryStarted
from decisionlog.domain.trajectory import Trajectory


class ExportDamagedError(ValueError):
    """Raised when a jsonl export does not verify: a line is malformed or breaks the chain."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"Line {line}: {reason}")
        self.line = line
        self.reason = reason


def replay_jsonl(lines: Iterable[str]) -> Trajectory:
    """The trajectory a jsonl export of one trajectory describes, as of its last line."""
    classes = event_classes_by_name()
    trajectory: Trajectory | None = None
    previous: str | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _record(number, line)
        if trajectory is None:
            previous = chain.genesis_digest(str(record.get("trajectoryId")))
        _check(number, record, previous, 1 if trajectory is None else trajectory.version + 1)
        event = _event(number, record, classes)
        try:
            trajectory = event.mutate(trajectory)
        except Exception as error:  # an event that does not fit the state is damage
            raise ExportDamagedError(number, f"the event does not apply: {error}") from None
        previous = record["digest"]
    if trajectory is None:
        raise ExportDamagedError(0, "the export holds no events")
    return trajectory


def _record(number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line, object_pairs_hook=_no_duplicates)
    except ValueError as error:
        raise ExportDamagedError(number, f"not JSON ({error})") from None
    if not isinstance(record, dict):
        raise ExportDamagedError(number, "not a JSON object")
    return record


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key appears twice")
    return found


def _check(number: int, record: dict[str, Any], previous: str | None, version: int) -> None:
    content = {k: v for k, v in record.items() if k != "digest"}
    if record.get("version") != version:
        raise ExportDamagedError(number, f"expected version {version}")
    if record.get("previousDigest") != previous:
        raise ExportDamagedError(number, "it does not chain from the line before")
    try:
        intact = chain.record_digest(content) == record.get("digest")
    except (TypeError, ValueError):
        intact = False
    if not intact:
        raise ExportDamagedError(number, "its content does not match its digest")


def _event(number: int, record: dict[str, Any], classes: dict[str, type[TrajectoryEvent]]
           ) -> TrajectoryEvent:
    cls = classes.get(str(record.get("type")))
    data = record.get("data")
    if cls is None or not isinstance(data, dict):
        raise ExportDamagedError(number, f"unknown event type {record.get('type')!r}")
    try:
        state: dict[str, Any] = {
            "originator_id": UUID(record["trajectoryId"]),
            "originator_version": record["version"],
            "timestamp": datetime.fromisoformat(record["recordedAt"]),
            "recorded_by": record["recordedBy"],
            "idempotency_key": record["idempotencyKey"],
            "input_digest": record["inputDigest"],
            "previous_digest": record["previousDigest"],
            "digest": record["digest"],
        }
        if cls is TrajectoryStarted:
            state["originator_topic"] = TRAJECTORY_TOPIC
        for name in _datetime_fields(cls):
            if isinstance(data.get(name), str):
                data[name] = datetime.fromisoformat(data[name])
    except (KeyError, TypeError, ValueError) as error:
        raise ExportDamagedError(number, f"malformed ({error!r})") from None
    state.update(data)
    event = object.__new__(cls)  # as eventsourcing's mapper builds a stored event
    object.__setattr__(event, "__dict__", state)
    return event


def _datetime_fields(cls: type[TrajectoryEvent]) -> list[str]:
    """The fields of an event class that hold a datetime (annotations are strings here)."""
    return [f.name for f in dataclasses.fields(cls)
            if "datetime" in str(f.type) and f.name != "timestamp"]
