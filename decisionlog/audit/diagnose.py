"""Finding and naming the first break in one trajectory's stored chain.

Only runs for a trajectory the fast pass found damaged, so it may read the whole stream
and hash an event under several candidate versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from decisionlog.audit.stored import (
    TopicKind,
    Topics,
    computed_digest,
    decode,
    genesis,
    types_with_fields,
)
from decisionlog.domain.events import TrajectoryEvent

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.application import Application
    from eventsourcing.persistence import StoredEvent


class Problem(StrEnum):
    """Why a stored event breaks its trajectory's chain."""

    ALTERED = "ALTERED"  # its content does not match its digest, or it does not decode
    MISSING = "MISSING"  # the version is absent from the store
    REORDERED = "REORDERED"  # it holds the event recorded under another version
    INSERTED = "INSERTED"  # a copy of another event, or an event chained into the middle
    BROKEN_LINK = "BROKEN_LINK"  # self-consistent, but chains from no stored event: forged
    TRUNCATED = "TRUNCATED"  # the chain no longer reaches a head digest kept elsewhere
    SNAPSHOT_ALTERED = "SNAPSHOT_ALTERED"  # the events are intact, a snapshot is not


@dataclass(frozen=True)
class Damage:
    """The first broken version of a trajectory's chain, and why."""

    version: int
    problem: Problem
    detail: str


@dataclass(frozen=True)
class Row:
    """One stored row: its version and the event, or why it does not decode."""

    version: int
    event: TrajectoryEvent | None
    error: str | None = None


def read_rows(app: Application[Any], trajectory_id: UUID, *, page_size: int = 10_000
              ) -> list[Row]:
    """Every stored row of the trajectory, in version order, decoded where possible."""
    topics = Topics()
    rows: list[Row] = []
    after: int | None = None
    while True:
        page = app.recorder.select_events(trajectory_id, gt=after, limit=page_size)
        rows.extend(_row(app, topics, stored) for stored in page)
        if len(page) < page_size:
            return rows
        after = page[-1].originator_version


def _row(app: Application[Any], topics: Topics, stored: StoredEvent) -> Row:
    version = stored.originator_version
    if topics.kind(stored.topic) is not TopicKind.TRAJECTORY:
        return Row(version, None, f"its type {stored.topic!r} is not a trajectory event")
    try:
        return Row(version, decode(app, stored))
    except Exception as error:  # any failure to decode is damage, reported as such
        return Row(version, None, f"it does not decode ({type(error).__name__})")


def first_damage(trajectory_id: UUID | str, rows: Sequence[Row]) -> tuple[Damage | None, int, str]:
    """The first break, the number of intact events before it, and the last intact digest."""
    head = genesis(trajectory_id)
    by_digest = _stored_digests(rows)
    for expected, row in enumerate(rows, start=1):
        damage = _check(row, expected, head, rows, by_digest)
        if damage is not None:
            return damage, expected - 1, head
        assert row.event is not None  # _check reports a row without an event
        head = row.event.digest
    return None, len(rows), head


def _stored_digests(rows: Sequence[Row]) -> dict[str, list[int]]:
    """The versions of the rows holding each stored digest."""
    found: dict[str, list[int]] = {}
    for row in rows:
        digest = getattr(row.event, "digest", None)
        if isinstance(digest, str):
            found.setdefault(digest, []).append(row.version)
    return found


def _check(row: Row, expected: int, head: str, rows: Sequence[Row],
           by_digest: dict[str, list[int]]) -> Damage | None:
    if row.version != expected:
        missing = (f"Version {expected} is" if row.version == expected + 1
                   else f"Versions {expected} to {row.version - 1} are")
        return Damage(expected, Problem.MISSING, f"{missing} not in the store.")
    event = row.event
    if event is None:
        return Damage(expected, Problem.ALTERED, f"The stored event is altered: {row.error}.")
    try:
        intact = computed_digest(event) == event.digest
    except Exception as error:  # a field is missing or malformed
        return Damage(expected, Problem.ALTERED,
                      f"The stored event is altered: it is malformed ({error}).")
    if not intact:
        return _misplaced(event, expected, rows, by_digest)
    if event.previous_digest == head:
        return None
    sources = by_digest.get(event.previous_digest)
    if sources:
        return Damage(expected, Problem.INSERTED,
                      f"It chains from version {sources[0]}, not from version {expected - 1}.")
    return Damage(expected, Problem.BROKEN_LINK,
                  "Its digest matches its content but it chains from no stored event: forged.")


def _misplaced(event: TrajectoryEvent, version: int, rows: Sequence[Row],
               by_digest: dict[str, list[int]]) -> Damage:
    """The row's content does not hash as `version`: is it another version's event?

    A row's topic stays with the row, so an event moved between rows may be decoded as
    another type: the types with the same fields are tried too.
    """
    found = _original(event, rows, by_digest)
    if found is None or found == (version, type(event).__name__):
        return Damage(version, Problem.ALTERED,
                      "The stored event is altered: its content does not match its digest.")
    other, event_type = found
    holders = [v for v in by_digest.get(event.digest, []) if v != version]
    if holders:
        return Damage(version, Problem.INSERTED,
                      f"It is a copy of the event stored as version {holders[0]}.")
    if event.previous_digest not in by_digest and other > 1:
        return Damage(version, Problem.MISSING,
                      f"The event recorded as version {other} is stored as version "
                      f"{version}: the event before it is missing.")
    return Damage(version, Problem.REORDERED,
                  f"It holds the event recorded as version {other} (a {event_type}).")


def _original(event: TrajectoryEvent, rows: Sequence[Row], by_digest: dict[str, list[int]]
              ) -> tuple[int, str] | None:
    """The version and type the event's content was recorded as, if any matches."""
    try:
        types = [type(event).__name__, *types_with_fields(event.data())]
    except Exception:  # malformed: cannot be anyone's event
        return None
    follows = [v + 1 for v in by_digest.get(event.previous_digest, [])]
    if event.previous_digest == genesis(event.originator_id):
        follows.append(1)
    versions = dict.fromkeys([*follows, *(r.version for r in rows), rows[-1].version + 1])
    for event_type in dict.fromkeys(types):
        for other in versions:
            try:
                if computed_digest(event, version=other, event_type=event_type) == event.digest:
                    return other, event_type
            except Exception:  # malformed: cannot be anyone's event
                return None
    return None
