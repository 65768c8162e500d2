"""The global audit log: every event of every trajectory, in commit order, page by page.

The cursor is the event's notification id: its position in the application's log, which
grows with each commit and never changes, so a saved cursor resumes exactly where it left
off while new events keep arriving. Event types are filtered in the query, the trajectory
before decoding, and who recorded it and when after decoding. A page reads at most
`scan_limit` rows, so a selective filter can give a short (even empty) page with
`has_next_page` true: its `end_position` still moves on past the rows read.
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from decisionlog.audit.stored import TopicKind, Topics, as_uuid, decode, event_classes_by_name

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from decisionlog.domain.events import TrajectoryEvent

MAX_FIRST = 100
READ_PAGE = 500
SCAN_LIMIT = 20_000
_CURSOR_PREFIX = "auditlog:"


@dataclass(frozen=True)
class AuditEntry:
    """One stored event and its position in the log; `event` is None if it does not decode."""

    position: int
    trajectory_id: str
    version: int
    event: TrajectoryEvent | None
    problem: str | None = None

    @property
    def cursor(self) -> str:
        return encode_cursor(self.position)


@dataclass(frozen=True)
class AuditPage:
    """Entries in commit order; `end_position` is where the next page starts."""

    entries: list[AuditEntry] = field(default_factory=list)
    end_position: int = 0
    has_next_page: bool = False

    @property
    def end_cursor(self) -> str:
        return encode_cursor(self.end_position)


def encode_cursor(position: int) -> str:
    """The opaque cursor of a position in the log."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The position a cursor names; raises ValueError with a readable message if none."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if text.startswith(_CURSOR_PREFIX):
            position = int(text[len(_CURSOR_PREFIX):])
            if position >= 0:
                return position
    except (ValueError, UnicodeError):
        pass
    raise ValueError(f"{cursor!r} is not an audit log cursor.")


def topics_for_types(types: Collection[str]) -> list[str]:
    """The stored topics of the named event types; raises ValueError on an unknown name."""
    classes = event_classes_by_name()
    unknown = sorted(set(types) - set(classes))
    if unknown:
        raise ValueError(f"Unknown event types: {', '.join(unknown)}. "
                         f"Known: {', '.join(sorted(classes))}.")
    return [get_topic(classes[name]) for name in types]


def audit_log(
    app: Application[Any],
    *,
    first: int = 50,
    after: int | None = None,
    trajectory_id: str | UUID | None = None,
    trajectory_ids: Collection[str | UUID] | None = None,
    types: Collection[str] | None = None,
    recorded_by: Collection[str] | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    scan_limit: int = SCAN_LIMIT,
) -> AuditPage:
    """Up to `first` events after position `after`, oldest first, that pass every filter.

    `from_` and `to` bound `recordedAt` (inclusive); `types` are event type names such as
    "DecisionRecorded". `trajectory_ids` limits the log to a set of trajectories (a
    caller's scope); with `trajectory_id` too, only trajectories in both are read, and an
    empty set reads nothing. Raises ValueError for `first` outside 0..100 or an unknown type.
    """
    if not 0 <= first <= MAX_FIRST:
        raise ValueError(f"first must be between 0 and {MAX_FIRST}.")
    topics = topics_for_types(types) if types else []
    wanted = _wanted(trajectory_id, trajectory_ids)
    if wanted is not None and not wanted:  # nothing can match: do not scan the log
        return AuditPage([], after or 0, False)
    people = None if recorded_by is None else frozenset(recorded_by)
    kinds = Topics()
    recorder = app.recorder
    stop = recorder.max_notification_id() or 0
    position = after or 0
    entries: list[AuditEntry] = []
    scanned = 0
    while len(entries) < first and scanned < scan_limit and position < stop:
        limit = min(READ_PAGE, scan_limit - scanned)
        page = recorder.select_notifications(start=position, limit=limit, stop=stop,
                                             topics=topics, inclusive_of_start=False)
        if not page:
            position = stop
            break
        for notification in page:
            scanned += 1
            position = notification.id
            if wanted is not None and str(notification.originator_id) not in wanted:
                continue
            if kinds.kind(notification.topic) is TopicKind.FOREIGN:
                continue
            entry = _entry(app, notification.id, notification)
            if _passes(entry.event, people, from_, to):
                entries.append(entry)
                if len(entries) == first:
                    break
        if len(page) < limit:
            if len(entries) < first:
                position = stop
            break
    return AuditPage(entries, position, position < stop)


def _wanted(trajectory_id: str | UUID | None,
            trajectory_ids: Collection[str | UUID] | None) -> frozenset[str] | None:
    """The trajectories to read (their ids as stored), or None for every one."""
    wanted = None if trajectory_ids is None else frozenset(map(_normalised, trajectory_ids))
    if trajectory_id is None:
        return wanted
    one = frozenset({_normalised(trajectory_id)})
    return one if wanted is None else one & wanted


def _normalised(trajectory_id: str | UUID) -> str:
    # an id that is not a UUID names no stored trajectory: the page comes back empty
    return str(as_uuid(trajectory_id) or trajectory_id)


def _entry(app: Application[Any], position: int, stored: Any) -> AuditEntry:
    trajectory_id, version = str(stored.originator_id), stored.originator_version
    try:
        return AuditEntry(position, trajectory_id, version, decode(app, stored))
    except Exception as error:  # shown, not hidden: the auditor should see damage
        return AuditEntry(position, trajectory_id, version, None,
                          f"does not decode ({type(error).__name__})")


def _passes(event: TrajectoryEvent | None, people: frozenset[str] | None,
            from_: datetime | None, to: datetime | None) -> bool:
    if event is None:  # an undecodable row passes only filters it cannot be judged by
        return people is None and from_ is None and to is None
    if people is not None and event.recorded_by not in people:
        return False
    if from_ is not None and event.timestamp < from_:
        return False
    return not (to is not None and event.timestamp > to)
