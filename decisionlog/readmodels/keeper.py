"""`ViewsKeeper`: a running service's watch over the read models.

At start and then every `interval` seconds, a thread reads how far the views are behind
the event log (the tracking row against the last event). When they are behind and
nobody holds the rebuild lease (a `decisionlog rebuild` was killed, or a new version of
the views was installed), it takes the lease and catches up, batch by batch, sharing the
database with the writers as a rebuild does. When someone else holds the lease, the
views are being rebuilt elsewhere: the keeper only watches. `status()` is what it
knows, for `GET /ready` and for the notes on answers read from lagging views.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from decisionlog.infrastructure.filelock import describe_process
from decisionlog.readmodels.rebuild import RebuildProgress, catch_up

if TYPE_CHECKING:
    from decisionlog.readmodels.store import Freshness, ViewStore

logger = logging.getLogger("decisionlog.readmodels")

CURRENT = "current"  # the views include every event
REBUILDING = "rebuilding"  # behind, and someone (this process or another) is on it
BEHIND = "behind"  # behind, and nobody is on it (catching up is switched off)
UNKNOWN = "unknown"  # not checked yet, or the database could not be read


@dataclass(frozen=True)
class ViewsStatus:
    """What the keeper last saw of the views."""

    state: str = UNKNOWN
    position: int = 0  # the last notification id the views include
    last: int = 0  # the last notification id in the log
    by: str | None = None  # who brings them up to date: "this process" or the lease holder
    starting: bool = True  # still bringing up to date what it found behind at its start
    events_per_second: float | None = None  # of this process's catch-up
    eta_seconds: float | None = None
    error: str | None = None  # why the database could not be read

    @property
    def behind(self) -> int:
        return max(self.last - self.position, 0)


class _Stopped(Exception):
    """Raised inside a catch-up to end it when the keeper stops."""


class ViewsKeeper:
    """Watches the views' freshness and resumes interrupted catch-ups; thread-safe."""

    def __init__(self, store: ViewStore, *, catch_up: bool = True, interval: float = 1.0,
                 holder: str | None = None) -> None:
        self.store = store
        self.catches_up = catch_up
        self.interval = interval
        self.holder = holder or describe_process("decisionlog serve")
        self._status = ViewsStatus()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> ViewsStatus:
        return self._status

    def start(self) -> None:
        """Start watching in a daemon thread (the first check runs at once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="views-keeper",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; a catch-up under way stops after its current batch (the next
        holder of the lease resumes it)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _watch(self) -> None:
        while not self._stopping.is_set():
            self.check()
            self._stopping.wait(self.interval)

    def check(self) -> ViewsStatus:
        """Look once, and catch up if the views are behind and nobody else is on it."""
        try:
            freshness = self.store.freshness()
        except Exception as error:  # unreachable: /ready says so; try again later
            self._status = replace(self._status, state=UNKNOWN,
                                   error=f"{type(error).__name__}: {error}")
            return self._status
        if freshness.current:
            self._status = ViewsStatus(CURRENT, freshness.position, freshness.last,
                                       starting=False)
        elif not self.catches_up:
            self._status = ViewsStatus(REBUILDING if freshness.rebuilding else BEHIND,
                                       freshness.position, freshness.last,
                                       by=self.store.lease().holder(), starting=False)
        else:
            self._catch_up(freshness)
        return self._status

    def _catch_up(self, freshness: Freshness) -> None:
        self._status = ViewsStatus(REBUILDING, freshness.position, freshness.last,
                                   by="this process", starting=self._status.starting)
        try:
            report = catch_up(self.store, progress=self._progress, holder=self.holder)
        except _Stopped:
            return
        except Exception as error:
            logger.exception("Catching up the read models failed; trying again in %s s.",
                             self.interval)
            self._status = replace(self._status, error=f"{type(error).__name__}: {error}")
            return
        if report is None:  # someone else holds the lease: they are on it
            self._status = ViewsStatus(REBUILDING, freshness.position, freshness.last,
                                       by=self.store.lease().holder() or "another process",
                                       starting=False)
            return
        if report.events_applied:
            logger.info("Read models caught up: %s events in %.1f s.",
                        report.events_applied, report.elapsed)
        self._status = ViewsStatus(CURRENT, report.position, report.last_position,
                                   starting=False)

    def _progress(self, report: RebuildProgress) -> None:
        self._status = replace(
            self._status, position=report.position, last=report.last_position,
            events_per_second=report.events_per_second, eta_seconds=report.eta_seconds)
        if self._stopping.is_set():
            raise _Stopped
