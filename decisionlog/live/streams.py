"""Catch-up then live: a subscription's events from a start position, with no gap and no
repeat, handed over by log position.

Each stream first reads what is stored after its start, a page at a time, at the pace
its consumer takes them (nothing is queued: a slow consumer only reads slower). Once a
page comes back short it has caught up: it registers a sink with the follower
(`follower.py`) at the position it reached, reads from the store once more what the
follower had already passed (the follower offers only what it reads after the
registration), and then takes live entries from the sink. Anything at or before the
last position it yielded is skipped, so an entry read both ways is sent once.

- `audit_entries`: every trajectory's events in commit order after a log position,
  filtered as the `auditLog` query filters (`AuditFilter`);
- `trajectory_events`: one trajectory's events after a version (its own order; the
  versions of one stream are committed in order, so a missing version would show, and
  is read from the store);
- `trajectory_changes`: a signal each time a trajectory changed, coalesced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from anyio import CapacityLimiter, to_thread

from decisionlog.audit import log
from decisionlog.live.sinks import Changes, EntryQueue

if TYPE_CHECKING:
    from decisionlog.audit.log import AuditEntry, AuditPage
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.live.follower import LogFollower

PAGE = 100  # events read from the store per catch-up step
T = TypeVar("T")


@dataclass(frozen=True)
class AuditFilter:
    """The `auditLog` filters: one trajectory, the caller's scope (None: every
    trajectory), event type names, who recorded them."""

    trajectory_id: str | None = None
    scope: frozenset[str] | None = None
    types: frozenset[str] | None = None
    recorded_by: frozenset[str] | None = None

    def matches(self, entry: AuditEntry) -> bool:
        if self.trajectory_id is not None and entry.trajectory_id != self.trajectory_id:
            return False
        if self.scope is not None and entry.trajectory_id not in self.scope:
            return False
        event = entry.event
        if event is None:  # damage passes only the filters it cannot be judged by
            return self.types is None and self.recorded_by is None
        if self.types is not None and type(event).__name__ not in self.types:
            return False
        return self.recorded_by is None or event.recorded_by in self.recorded_by

    def page(self, follower: LogFollower, after: int) -> AuditPage:
        """The next page from the store (in a worker thread)."""
        return log.audit_log(
            follower.app, first=PAGE, after=after, trajectory_id=self.trajectory_id,
            trajectory_ids=self.scope, types=_listed(self.types),
            recorded_by=self.recorded_by)


def _listed(names: Collection[str] | None) -> list[str] | None:
    return None if names is None else sorted(names)


class Reader:
    """Runs store reads in worker threads, a few at a time per worker process (many
    subscriptions starting at once queue here rather than open a thread each)."""

    def __init__(self, threads: int) -> None:
        self.limiter = CapacityLimiter(threads)

    async def __call__(self, read: Callable[[], T]) -> T:
        return await to_thread.run_sync(read, limiter=self.limiter)


async def audit_entries(follower: LogFollower, reader: Reader, *, after: int,
                        audit_filter: AuditFilter, capacity: int
                        ) -> AsyncIterator[AuditEntry]:
    """The audit log's entries after position `after` that pass the filter, stored ones
    first, then each one as it is committed."""
    position = after

    async def stored(until: int | None) -> AsyncIterator[AuditEntry]:
        """Stored entries after `position` (up to `until`), at the consumer's pace."""
        nonlocal position
        while until is None or position < until:
            page = await reader(partial(audit_filter.page, follower, position))
            for entry in page.entries:
                yield entry
                position = entry.position
            position = max(position, page.end_position)
            if not page.has_next_page:
                return

    async for entry in stored(None):
        yield entry
    only = audit_filter.trajectory_id
    sink = EntryQueue(floor=position, capacity=capacity, trajectory_id=only,
                      wants=audit_filter.matches)
    passed = follower.register(sink)
    try:
        async for entry in stored(passed):  # what the follower read before the sink was there
            yield entry
        while True:
            entry = await sink.get()
            if entry.position > position:
                yield entry
                position = entry.position
    finally:
        follower.unregister(sink)


async def trajectory_events(follower: LogFollower, reader: Reader, *, trajectory_id: str,
                            after_version: int, capacity: int
                            ) -> AsyncIterator[TrajectoryEvent]:
    """One trajectory's events after `after_version`, stored ones first, then each one
    as it is committed."""
    app = follower.app
    version = after_version

    def stored_page(after: int) -> tuple[int, list[TrajectoryEvent]]:
        # The log's end first: every event of the trajectory at or before it is in the
        # page (or a later one), whatever commits meanwhile.
        end = int(app.recorder.max_notification_id() or 0)
        return end, list(app.history(trajectory_id, after=after, limit=PAGE))

    while True:
        floor, events = await reader(partial(stored_page, version))
        for event in events:
            yield event
            version = event.originator_version
        if len(events) < PAGE:
            break
    sink = EntryQueue(floor=floor, capacity=capacity, trajectory_id=trajectory_id)
    follower.register(sink)
    try:
        while True:  # what committed between the last page and the registration
            _, events = await reader(partial(stored_page, version))
            for event in events:
                yield event
                version = event.originator_version
            if len(events) < PAGE:
                break
        while True:
            entry = await sink.get()
            if entry.version <= version:
                continue
            while entry.version > version + 1:  # never expected: read what is missing
                _, events = await reader(partial(stored_page, version))
                events = [e for e in events if e.originator_version < entry.version]
                if not events:
                    break
                for event in events:
                    yield event
                    version = event.originator_version
            if entry.event is not None:  # (a row that does not decode is not sent)
                yield entry.event
            version = entry.version
    finally:
        follower.unregister(sink)


async def trajectory_changes(follower: LogFollower, reader: Reader, *, trajectory_id: str
                             ) -> AsyncIterator[int | None]:
    """None at once, then, each time the trajectory changed since the last was taken,
    the latest version seen (a burst of events gives one; the consumer reads the state
    then, at least at that version)."""
    app = follower.app
    floor = await reader(lambda: int(app.recorder.max_notification_id() or 0))
    sink = Changes(floor=floor, trajectory_id=trajectory_id)
    follower.register(sink)
    try:
        yield None
        while True:
            yield await sink.wait()
    finally:
        follower.unregister(sink)
