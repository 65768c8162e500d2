"""`rebuild`: empty the views and replay the whole event log through the projector.

Batches of events are applied one transaction each, with the tracking position, so a
rebuild that is interrupted (killed, crashed, Ctrl-C) resumes where it stopped: calling
`rebuild` again while the tracking row says "rebuilding" continues instead of starting
over, and `catch_up` (which a running service calls on its own) finishes it too. Writers
may keep writing meanwhile: their events are applied by the rebuild, and once it has
caught up, by the writers themselves again.

One process at a time: both hold the rebuild lease (`lease.py`) from start to end; a
second `rebuild` gets `RebuildRunningError`, a second `catch_up` leaves it to the first.

Sharing the database with writers: each batch is sized to take about `BATCH_SECONDS`,
and between batches, while writers are waiting for the write lock (SQLite tells through
`ViewStore.writers_waiting`), the replay pauses until they are through (at most
`MAX_WRITER_PAUSE`). Without that, SQLite writers in another process, which poll for
the lock at growing intervals, found it taken by the next batch nearly every time. Measured
on a 200,000-event file, one client writing in a loop, interleaved runs: before, about
42 writes got through in the rebuild's 32 s, the slowest took 5.0 s and one or two
failed with "database is locked"; after, about 1,050 writes, the slowest 0.14-0.20 s
(p99 65 ms), and the rebuild took 42-48 s while writes went on (32 s without writers,
as before).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decisionlog.infrastructure.filelock import describe_process
from decisionlog.readmodels.schema import reset_views
from decisionlog.readmodels.store import ViewStore, apply_next_batch, read_state

if TYPE_CHECKING:
    from eventsourcing.application import Application

DEFAULT_BATCH_SIZE = 2000  # at most this many events per transaction
FIRST_BATCH = 100  # the first batch, before the rate is known
BATCH_SECONDS = 0.2  # what a batch should take while no writer is about
BUSY_BATCH_SECONDS = 0.025  # ... and while writers are: about their longest wait
BUSY_MEMORY = 2.0  # seconds after a writer was seen that batches stay short
MAX_WRITER_PAUSE = 0.25  # the longest pause for waiting writers between two batches
WRITER_POLL = 0.002


class RebuildRunningError(Exception):
    """Raised when another process is rebuilding (or catching up) the read models."""

    def __init__(self, holder: str | None) -> None:
        self.holder = holder
        who = f" ({holder})" if holder else " (it has just finished)"
        super().__init__(f"another rebuild of the read models is running{who}")


@dataclass(frozen=True)
class RebuildProgress:
    """Where a rebuild (or catch-up) stands after a batch."""

    position: int  # the last notification id the views include
    last_position: int  # the last notification id in the log, when the batch ran
    events_applied: int  # events applied by this call so far
    elapsed: float  # seconds since this call started
    resumed: bool  # whether this call continued an interrupted rebuild

    @property
    def events_per_second(self) -> float:
        return self.events_applied / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def remaining(self) -> int:
        """Notifications still to apply (ids may have gaps, so at most this many)."""
        return max(self.last_position - self.position, 0)

    @property
    def eta_seconds(self) -> float | None:
        rate = self.events_per_second
        return self.remaining / rate if rate > 0 else None

    @property
    def done(self) -> bool:
        return self.position >= self.last_position


Progress = Callable[[RebuildProgress], None]


def rebuild(app: Application[Any] | ViewStore, *, progress: Progress | None = None,
            batch_size: int = DEFAULT_BATCH_SIZE, restart: bool = False,
            holder: str | None = None) -> RebuildProgress:
    """Drop and rebuild every view from the event log; resume an interrupted rebuild
    unless `restart`. Returns the final progress; raises `RebuildRunningError` when
    another process is rebuilding. `holder` describes the caller to such a process."""
    store = _store(app)
    lease = store.lease()
    if not lease.acquire(holder or describe_process("decisionlog rebuild")):
        raise RebuildRunningError(lease.holder())
    try:
        with store.writing() as ex:
            resumed = read_state(ex, lock=True).rebuilding and not restart
            if not resumed:
                reset_views(ex, rebuilding=True)
        return _run(store, progress, batch_size, resumed=resumed)
    finally:
        lease.release()


def catch_up(app: Application[Any] | ViewStore, *, progress: Progress | None = None,
             batch_size: int = DEFAULT_BATCH_SIZE, holder: str | None = None
             ) -> RebuildProgress | None:
    """Apply whatever the views lack (after an upgrade, or an interrupted rebuild).

    Returns None, having done nothing, when another process holds the rebuild lease:
    it is bringing the views up to date already.
    """
    store = _store(app)
    lease = store.lease()
    if not lease.acquire(holder or describe_process("catching up")):
        return None
    try:
        return _run(store, progress, batch_size, resumed=store.state().rebuilding)
    finally:
        lease.release()


def _run(store: ViewStore, progress: Progress | None, batch_size: int, *,
         resumed: bool) -> RebuildProgress:
    started = time.monotonic()
    applied_total = 0
    size = min(batch_size, FIRST_BATCH)
    writers_seen = float("-inf")
    while True:
        batch_started = time.monotonic()
        applied, state, last = apply_next_batch(store, size)
        took = time.monotonic() - batch_started
        applied_total += applied
        report = RebuildProgress(
            position=state.position, last_position=max(last, state.position),
            events_applied=applied_total, elapsed=time.monotonic() - started,
            resumed=resumed)
        if progress is not None:
            progress(report)
        if applied == 0:
            return report
        if _let_writers_through(store):
            writers_seen = time.monotonic()
        if applied == size:  # a full batch: its rate sizes the next one
            busy = time.monotonic() - writers_seen < BUSY_MEMORY
            seconds = BUSY_BATCH_SECONDS if busy else BATCH_SECONDS
            size = max(1, min(batch_size, int(applied / max(took, 1e-6) * seconds)))


def _let_writers_through(store: ViewStore) -> bool:
    """Pause while writers wait for the write lock (bounded), so they are not starved;
    whether there were any."""
    time.sleep(0)  # threads of this process waiting for the lock get it now
    if not store.writers_waiting():
        return False
    deadline = time.monotonic() + MAX_WRITER_PAUSE
    while store.writers_waiting() and time.monotonic() < deadline:
        time.sleep(WRITER_POLL)
    return True


def _store(app: Application[Any] | ViewStore) -> ViewStore:
    if isinstance(app, ViewStore):
        return app
    from decisionlog.readmodels.recorders import views_of

    return views_of(app.recorder)
