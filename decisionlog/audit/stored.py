"""Reading stored trajectory events for the audit: topics, decoding, the chain check.

A stored row's topic is never imported on trust: only the topics of the trajectory's own
event classes are decoded; a topic naming a class already loaded that is not one of them
is another aggregate's; any other topic counts as damage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.utils import get_topic

from decisionlog.domain import chain
from decisionlog.domain.events import TrajectoryEvent, TrajectoryStarted
from decisionlog.domain.trajectory import Trajectory

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import StoredEvent

TRAJECTORY_TOPIC = get_topic(Trajectory)
_BASE_FIELDS = frozenset(f.name for f in dataclasses.fields(TrajectoryStarted)) - {
    "name", "client", "description"}
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_sha256 = hashlib.sha256


def as_uuid(trajectory_id: str | UUID) -> UUID | None:
    """The id as a UUID (a UUID as it is); None for a string that is not one."""
    try:
        return trajectory_id if isinstance(trajectory_id, UUID) else UUID(trajectory_id)
    except ValueError:
        return None


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"Cannot put a {type(value).__name__} in a chain record")


class TopicKind(Enum):
    """What a stored row's topic names."""

    TRAJECTORY = "trajectory"  # one of the trajectory's event classes
    FOREIGN = "foreign"  # a loaded class of some other aggregate
    UNKNOWN = "unknown"  # nothing this program knows: damage


def _event_classes(base: type[TrajectoryEvent]) -> Iterator[type[TrajectoryEvent]]:
    for cls in base.__subclasses__():
        yield cls
        yield from _event_classes(cls)


def trajectory_event_classes() -> dict[str, type[TrajectoryEvent]]:
    """Every trajectory event class, by topic."""
    return {get_topic(cls): cls for cls in _event_classes(TrajectoryEvent)}


def event_classes_by_name() -> dict[str, type[TrajectoryEvent]]:
    """Every trajectory event class, by class name (the `type` of a chain record)."""
    return {cls.__name__: cls for cls in _event_classes(TrajectoryEvent)}


def types_with_fields(names: Iterable[str]) -> list[str]:
    """The names of the event classes whose own fields are exactly `names` (fields added
    later, `later_fields`, may be there or not)."""
    wanted = frozenset(names)
    found = []
    for cls in _event_classes(TrajectoryEvent):
        own = frozenset(f.name for f in dataclasses.fields(cls)) - _BASE_FIELDS
        if own - cls.later_fields <= wanted <= own:
            found.append(cls.__name__)
    return found


class Topics:
    """Classifies topics, caching the answers, without importing anything."""

    def __init__(self) -> None:
        self._known: dict[str, TopicKind] = dict.fromkeys(
            trajectory_event_classes(), TopicKind.TRAJECTORY)

    def kind(self, topic: str) -> TopicKind:
        kind = self._known.get(topic)
        if kind is None:
            kind = self._known[topic] = _classify(topic)
        return kind


def _classify(topic: str) -> TopicKind:
    module_name, _, qualname = topic.partition(":")
    obj: Any = sys.modules.get(module_name)
    if obj is None or not qualname:
        return TopicKind.UNKNOWN
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, type) and not issubclass(obj, TrajectoryEvent):
        return TopicKind.FOREIGN
    return TopicKind.UNKNOWN


def decode(app: Application[Any], stored: StoredEvent) -> TrajectoryEvent:
    """The stored row as a trajectory event; raises if it does not decode as one."""
    event = app.mapper.to_domain_event(stored)
    if not isinstance(event, TrajectoryEvent):
        raise TypeError(f"{type(event).__name__} is not a trajectory event")
    return event


def computed_digest(event: TrajectoryEvent, *, version: int | None = None,
                    event_type: str | None = None) -> str:
    """The digest the event's content gives (as `version` and `event_type`, if given);
    raises if the event is malformed."""
    record = event.chain_record()
    if version is not None:
        record["version"] = version
    if event_type is not None:
        record["type"] = event_type
    if isinstance(event, TrajectoryStarted) and event.originator_topic != TRAJECTORY_TOPIC:
        raise TypeError("the first event does not start a Trajectory")
    return chain.record_digest(record)


def link_ok(event: TrajectoryEvent, *, trajectory_id: str, version: int,
            previous_digest: str) -> bool:
    """Whether the event is intact as `version` of `trajectory_id` (its id as a string),
    chained from `previous_digest`.

    The fast path of verification. It hashes with orjson, whose output for the record's
    JSON types equals `chain.canonical` byte for byte (a test holds it to that); a
    mismatch is only a suspicion, which `decisionlog.audit.diagnose` rechecks with
    `chain.canonical` itself.
    """
    state = event.__dict__
    if (state.get("previous_digest") != previous_digest
            or state.get("originator_version") != version):
        return False
    try:
        if type(event) is TrajectoryStarted and state["originator_topic"] != TRAJECTORY_TOPIC:
            return False
        record = {
            "trajectoryId": trajectory_id,
            "version": version,
            "type": type(event).__name__,
            "recordedAt": state["timestamp"].isoformat(),
            "recordedBy": state["recorded_by"],
            "idempotencyKey": state["idempotency_key"],
            "inputDigest": state["input_digest"],
            "data": event.data(),
            "previousDigest": previous_digest,
        }
        return bool(_sha256(fast_canonical(record)).hexdigest() == state["digest"])
    except Exception:  # a malformed event is not intact, whatever it lacks
        return False


def fast_canonical(record: dict[str, Any]) -> bytes:
    """`chain.canonical`, computed by orjson: the same bytes, several times faster."""
    return orjson.dumps(record, default=_json_value, option=_ORJSON_OPTIONS)


def genesis(trajectory_id: UUID | str) -> str:
    """The digest a trajectory's chain starts from."""
    return chain.genesis_digest(trajectory_id)

