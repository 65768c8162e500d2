"""What a query's answer depends on in the store, and whether that is still so.

An answer is a function of its document, variables and principal, and of the state of
the store it read, which these dependencies name:
- `TrajectoryState(id, version, digest)`: one trajectory as it stood (version 0 and no
  digest: it did not exist). The `trajectory` field records each one it reads, and
  its current state for an `asOf` answer (recorded history only grows, so an answer as
  of the past changes only when the trajectory does).
- `LogHead(position, fingerprint)`: the whole log, for the lists and searches of an
  unscoped principal: the last notification's id and a digest of its stored bytes (so
  a store restored from a backup and written again to the same position differs).
A scoped principal's lists depend on each trajectory in its scope instead
(`scope_dependencies`), so a change outside its scope changes nothing it sees.

`StateWatch.still_current` checks them against the store, on every worker, at every
request: a change committed anywhere is seen at once. On a SQLite file it first asks
`PRAGMA data_version` on a connection of its own, which changes whenever any other
connection (of this process or another) commits to the file: unchanged since the last
check means nothing can have changed (about 2 us); otherwise each dependency is read
(about 35 us per trajectory, through the aggregate cache's fast-forward).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from uuid import UUID

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.auth.principal import Principal

MAX_SCOPE: Final = 64
"""Trajectories a scoped principal's lists may depend on one by one; with a larger
scope, lists get no ETag and are not kept (checking would cost more than it saves)."""


@dataclass(frozen=True, order=True)
class TrajectoryState:
    """A trajectory at a version and head digest (version 0: it does not exist)."""

    trajectory_id: UUID
    version: int
    digest: str

    def current(self, app: DecisionLog) -> bool:
        return trajectory_state(app, self.trajectory_id) == self

    def token(self) -> str:
        return f"t:{self.trajectory_id.hex}:{self.version}:{self.digest}"


@dataclass(frozen=True, order=True)
class LogHead:
    """The end of the whole log: the last notification id, and a digest of its bytes."""

    position: int
    fingerprint: str

    def current(self, app: DecisionLog) -> bool:
        return log_head(app) == self

    def token(self) -> str:
        return f"log:{self.position}:{self.fingerprint}"


Dependency = TrajectoryState | LogHead


def trajectory_state(app: DecisionLog, trajectory_id: UUID) -> TrajectoryState:
    """The trajectory's current state (version 0 when it does not exist)."""
    trajectory = app.get_trajectory(trajectory_id)
    if trajectory is None:
        return TrajectoryState(trajectory_id, 0, "")
    return TrajectoryState(trajectory_id, trajectory.version, trajectory.head_digest)


def log_head(app: DecisionLog) -> LogHead:
    """The end of the log now."""
    recorder = app.recorder
    last = recorder.max_notification_id()
    if last is None:
        return LogHead(0, "")
    # Inclusive of `start`: a notification appended meanwhile does not move it
    notifications = recorder.select_notifications(start=last, limit=1)
    state = notifications[0].state if notifications else b""
    return LogHead(last, hashlib.sha256(state).hexdigest()[:32])


def scope_dependencies(app: DecisionLog, principal: Principal
                       ) -> tuple[Dependency, ...] | None:
    """What the principal's lists and searches depend on: the whole log for an
    unscoped principal, each trajectory of its scope for a scoped one; None when the
    scope is too large to check (see `MAX_SCOPE`)."""
    if not principal.is_scoped:
        return (log_head(app),)
    if len(principal.trajectories) > MAX_SCOPE:
        return None
    states: list[Dependency] = []
    for trajectory_id in sorted(principal.trajectories):
        try:
            uuid = UUID(trajectory_id)
        except ValueError:
            continue  # names no trajectory now or ever
        states.append(trajectory_state(app, uuid))
    return tuple(states)


class StateWatch:
    """Checks dependencies against one application's store."""

    def __init__(self, app: DecisionLog) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        path = app.readmodels.store.sqlite_file
        if path is not None:
            self._connection = sqlite3.connect(path, isolation_level=None,
                                               check_same_thread=False)

    def mark(self) -> int | None:
        """A number that stays the same while nothing is committed to the store (None
        when the store offers none: PostgreSQL, memory). Take it before reading."""
        connection = self._connection
        if connection is None:
            return None
        with self._lock:
            try:
                row = connection.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
        return int(row[0])

    def unchanged_since(self, mark: int | None) -> bool:
        """Whether nothing was committed since `mark` was taken."""
        return mark is not None and self.mark() == mark

    def all_current(self, dependencies: tuple[Dependency, ...]) -> bool:
        """Whether each dependency still holds (each is read from the store)."""
        return all(dependency.current(self.app) for dependency in dependencies)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


_WATCHES: weakref.WeakKeyDictionary[DecisionLog, StateWatch] = weakref.WeakKeyDictionary()
_WATCHES_LOCK = threading.Lock()


def state_watch(app: DecisionLog) -> StateWatch:
    """The watch of the application's store (one per application object)."""
    with _WATCHES_LOCK:
        watch = _WATCHES.get(app)
        if watch is None:
            watch = _WATCHES[app] = StateWatch(app)
        return watch
