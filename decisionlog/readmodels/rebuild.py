"""`rebuild`: empty the views and replay the whole event log through the projector.

Batches of events are applied one transaction each, with the tracking position, so a
rebuild that is interrupted (killed, crashed, Ctrl-C) resumes where it stopped: calling
`rebuild` again while the tracking row says "rebuilding" continues instead of starting
over. Writers may keep writing meanwhile: their events are applied by the rebuild, and
once it has caught up, by the writers themselves again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decisionlog.readmodels.schema import reset_views
from decisionlog.readmodels.store import ViewStore, iterate_batches, read_state

if TYPE_CHECKING:
    from eventsourcing.application import Application

DEFAULT_BATCH_SIZE = 2000


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
            batch_size: int = DEFAULT_BATCH_SIZE, restart: bool = False) -> RebuildProgress:
    """Drop and rebuild every view from the event log; resume an interrupted rebuild
    unless `restart`. Returns the final progress."""
    store = _store(app)
    with store.writing() as ex:
        resumed = read_state(ex, lock=True).rebuilding and not restart
        if not resumed:
            reset_views(ex, rebuilding=True)
    return _run(store, progress, batch_size, resumed=resumed)


def catch_up(app: Application[Any] | ViewStore, *, progress: Progress | None = None,
             batch_size: int = DEFAULT_BATCH_SIZE) -> RebuildProgress:
    """Apply whatever the views lack (after an upgrade, or an interrupted rebuild)."""
    store = _store(app)
    return _run(store, progress, batch_size, resumed=store.state().rebuilding)


def _run(store: ViewStore, progress: Progress | None, batch_size: int, *,
         resumed: bool) -> RebuildProgress:
    started = time.monotonic()
    applied_total = 0
    report = RebuildProgress(0, 0, 0, 0.0, resumed)
    for applied, state, last in iterate_batches(store, batch_size):
        applied_total += applied
        report = RebuildProgress(
            position=state.position, last_position=max(last, state.position),
            events_applied=applied_total, elapsed=time.monotonic() - started,
            resumed=resumed)
        if progress is not None:
            progress(report)
    return report


def _store(app: Application[Any] | ViewStore) -> ViewStore:
    if isinstance(app, ViewStore):
        return app
    from decisionlog.readmodels.recorders import views_of

    return views_of(app.recorder)
