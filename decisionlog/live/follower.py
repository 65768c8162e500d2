"""The log follower: one per worker process, reading the notification log after its
position and handing each new entry to the live subscriptions that want it.

Subscriptions never read the database for live events: the follower reads each new
stored event once, decodes it once and offers it to every sink registered with it
(`sinks.py`), in log order, on the event loop. It reads when woken and, as a backstop,
every `check_seconds`:
- by this process's own commits (`DecisionLogStorage.commit_listeners`), at once;
- on PostgreSQL, by a NOTIFY from any process's write transaction (`wakeup.py`);
- on SQLite, the periodic check catches writes by other processes (a script using the
  library on the same file); on PostgreSQL it catches a lost notification.
It reads only while some subscription is registered; idle, it only moves its position
up to where the next subscription starts.

The log position (the notification id) is the one order: on both backends notification
ids are given in commit order (PostgreSQL's recorder locks the events table for each
insert; SQLite has one writer), so an entry read after position P never precedes one at
or before P.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from anyio import CapacityLimiter, to_thread

from decisionlog.audit.log import AuditEntry
from decisionlog.audit.stored import TopicKind, Topics, decode

if TYPE_CHECKING:
    from eventsourcing.persistence import Notification

    from decisionlog.application import DecisionLog
    from decisionlog.live.sinks import Sink

logger = logging.getLogger("decisionlog.live")

READ_LIMIT = 256  # notifications per read; the loop runs the subscriptions in between


def decode_entry(app: DecisionLog, notification: Notification, topics: Topics
                 ) -> AuditEntry | None:
    """The notification as an audit entry (event None and a problem when it does not
    decode: damage is shown); None for another aggregate's event."""
    if topics.kind(notification.topic) is TopicKind.FOREIGN:
        return None
    trajectory_id = str(notification.originator_id)
    version = notification.originator_version
    try:
        return AuditEntry(notification.id, trajectory_id, version, decode(app, notification))
    except Exception as error:
        return AuditEntry(notification.id, trajectory_id, version, None,
                          f"does not decode ({type(error).__name__})")


class LogFollower:
    """Follows one application's notification log for the subscriptions of a worker."""

    def __init__(self, app: DecisionLog, *, check_seconds: float,
                 read_limit: int = READ_LIMIT) -> None:
        self.app = app
        self.check_seconds = check_seconds
        self.read_limit = read_limit
        self.position = 0
        """Every entry at or before it was offered to the sinks registered then."""
        self.generation = 0
        """Counts the batches handed out (a memo of "the trajectory now" keys on it)."""
        self.reads = 0
        self._everywhere: dict[Sink, None] = {}  # sinks of every trajectory
        self._by_trajectory: dict[str, dict[Sink, None]] = {}
        self._count = 0
        self._topics = Topics()
        self._limiter = CapacityLimiter(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # Lifecycle

    async def start(self) -> None:
        """Start following from the end of the log, on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wake = asyncio.Event()
        self.position = await to_thread.run_sync(self._last_position,
                                                 limiter=self._limiter)
        self.app.commit_listeners.append(self.wake)
        self._task = asyncio.create_task(self._run(), name="decisionlog log follower")

    async def stop(self) -> None:
        self._stopping = True
        if self.wake in self.app.commit_listeners:
            self.app.commit_listeners.remove(self.wake)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Read the log now (from any thread: a commit, a notification)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or self._stopping:
            return
        if threading.get_ident() == self._loop_thread:
            wake.set()
        else:
            with contextlib.suppress(RuntimeError):  # a closed loop: nothing to wake
                loop.call_soon_threadsafe(wake.set)

    # Sinks

    def register(self, sink: Sink) -> int:
        """Offer `sink` every entry read from now on; returns the follower's position:
        entries after `sink.floor` up to it were read before and are not offered (the
        stream reads them from the store). Idle until now, the follower skips to the
        sink's floor instead of reading what nobody wants."""
        if self._count == 0:
            self.position = max(self.position, sink.floor)
        if sink.trajectory_id is None:
            self._everywhere[sink] = None
        else:
            self._by_trajectory.setdefault(sink.trajectory_id, {})[sink] = None
        self._count += 1
        if self._wake is not None:
            self._wake.set()  # read at once: a write may have come since the last read
        return self.position

    def unregister(self, sink: Sink) -> None:
        if sink.trajectory_id is None:
            removed = self._everywhere.pop(sink, False) is None
        else:
            sinks = self._by_trajectory.get(sink.trajectory_id, {})
            removed = sinks.pop(sink, False) is None
            if not sinks:
                self._by_trajectory.pop(sink.trajectory_id, None)
        if removed:
            self._count -= 1

    @property
    def sinks(self) -> int:
        """How many sinks are registered."""
        return self._count

    # Reading

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            # (not asyncio.wait_for: on 3.11 it swallows a cancellation that arrives as
            # the wake-up completes, and `stop` would wait for ever)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.check_seconds):
                    await self._wake.wait()
            self._wake.clear()
            if not self._count:
                continue
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is unreachable: try again at the next check
                logger.exception("Reading the event log failed; retrying in %s s",
                                 self.check_seconds)

    async def catch_up(self) -> None:
        """Read and hand out everything after the position, a page at a time."""
        while self._count:
            start = self.position
            entries, last, full = await to_thread.run_sync(
                self._read, start, limiter=self._limiter)
            self.reads += 1
            if last > self.position:  # (the position may have skipped ahead meanwhile)
                self._dispatch([e for e in entries if e.position > self.position])
                self.position = last
            if not full:
                return
            await asyncio.sleep(0)  # let the subscriptions send before the next page

    def _read(self, start: int) -> tuple[list[AuditEntry], int, bool]:
        """Entries after `start` (in a worker thread): the decoded entries, the last
        position read, and whether the page was full."""
        notifications: Sequence[Any] = self.app.recorder.select_notifications(
            start=start, limit=self.read_limit, inclusive_of_start=False)
        entries = [entry for entry in (decode_entry(self.app, n, self._topics)
                                       for n in notifications) if entry is not None]
        last = notifications[-1].id if notifications else start
        return entries, last, len(notifications) == self.read_limit

    def _last_position(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def _dispatch(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        self.generation += 1
        everywhere = list(self._everywhere)
        for entry in entries:
            own = self._by_trajectory.get(entry.trajectory_id)
            for sink in (*everywhere, *own) if own else everywhere:
                if entry.position > sink.floor:
                    sink.offer(entry)
