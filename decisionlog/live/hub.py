"""`Live`: what one worker process keeps for its subscriptions: the log follower, its
PostgreSQL listener, the store reads of catching-up streams, and the limits.

Limits (`LiveSettings`, from `DECISIONLOG_*` settings): subscriptions per websocket
connection, per token and in all in this worker; entries a subscription may have waiting
(more and it is too slow: `sinks.py`). `open_subscriptions` counts the subscriptions
running now (for metrics).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from decisionlog.live.follower import READ_LIMIT, LogFollower
from decisionlog.live.streams import Reader
from decisionlog.live.wakeup import PostgresListener, listener_for

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.domain.trajectory import Trajectory

SQLITE_CHECK_SECONDS: Final = 0.25
"""How often the follower looks for writes it was not told of: on SQLite, those of other
processes (a script using the library on the same file)."""
POSTGRES_CHECK_SECONDS: Final = 1.0
"""On PostgreSQL, the backstop for a lost notification (every write notifies)."""
CATCH_UP_THREADS: Final = 4
MEMO_SIZE: Final = 1024  # trajectories whose current state is shared


@dataclass(frozen=True)
class LiveSettings:
    """How many subscriptions a worker takes, and how far behind one may fall."""

    per_connection: int = 10
    per_token: int = 100
    per_worker: int = 2000
    queue: int = 1000
    check_seconds: float | None = None  # None: by backend (see above)


class SubscriptionLimitError(Exception):
    """Raised when a subscription would pass one of the limits; `limit` names it."""

    def __init__(self, message: str, *, limit: str, value: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value


@dataclass
class Admission:
    """One running subscription's place in the counts; `release` gives it back."""

    live: Live
    connection: Hashable
    token: str
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.live._release(self)


class Live:
    """The subscriptions' side of one application in one worker process."""

    def __init__(self, app: DecisionLog, settings: LiveSettings | None = None) -> None:
        self.app = app
        self.settings = settings = settings or LiveSettings()
        # Pages no larger than a queue, with the loop run between them: a subscription
        # that keeps up never overflows, however large a burst.
        self.follower = LogFollower(app, check_seconds=SQLITE_CHECK_SECONDS,
                                    read_limit=max(1, min(READ_LIMIT, settings.queue)))
        self.listener: PostgresListener | None = listener_for(app.recorder,
                                                              self.follower.wake)
        self.follower.check_seconds = settings.check_seconds or (
            POSTGRES_CHECK_SECONDS if self.listener is not None else SQLITE_CHECK_SECONDS)
        self.reader = Reader(CATCH_UP_THREADS)
        self.open_subscriptions = 0
        self._per_connection: Counter[Hashable] = Counter()
        self._per_token: Counter[str] = Counter()
        self._now: dict[str, Trajectory] = {}
        self.started = False

    async def start(self) -> None:
        await self.follower.start()
        if self.listener is not None:
            self.listener.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        if self.listener is not None:
            self.listener.stop()
        await self.follower.stop()

    # Limits

    def admit(self, *, connection: Hashable, token: str) -> Admission:
        """A place for one more subscription of this connection and token; raises
        `SubscriptionLimitError` when a limit is reached."""
        settings = self.settings
        for count, limit, name, what in (
                (self._per_connection[connection], settings.per_connection,
                 "perConnection", "on one connection"),
                (self._per_token[token], settings.per_token, "perToken",
                 "for one token in this server process"),
                (self.open_subscriptions, settings.per_worker, "perWorker",
                 "in this server process")):
            if count >= limit:
                raise SubscriptionLimitError(
                    f"At most {limit} subscriptions may run {what}; complete one first.",
                    limit=name, value=limit)
        self._per_connection[connection] += 1
        self._per_token[token] += 1
        self.open_subscriptions += 1
        return Admission(self, connection, token)

    def _release(self, admission: Admission) -> None:
        self.open_subscriptions -= 1
        self._per_connection[admission.connection] -= 1
        if self._per_connection[admission.connection] <= 0:
            del self._per_connection[admission.connection]
        self._per_token[admission.token] -= 1
        if self._per_token[admission.token] <= 0:
            del self._per_token[admission.token]

    # Shared reads

    def trajectory_now(self, trajectory_id: str, *, at_least: int | None = None
                       ) -> Trajectory | None:
        """The trajectory as it is now, on the event loop (as the trajectory query
        loads it). With `at_least`, one loaded before may do if it has reached that
        version: every subscription woken by the same events shares one load."""
        known = self._now.get(trajectory_id)
        if (at_least is not None and known is not None and known.version >= at_least
                and not known.pending_events):
            return known
        trajectory = self.app.get_trajectory(trajectory_id)
        if trajectory is None:
            self._now.pop(trajectory_id, None)
        else:
            if len(self._now) >= MEMO_SIZE:
                self._now.clear()
            self._now[trajectory_id] = trajectory
        return trajectory

    def stats(self) -> dict[str, Any]:
        """What a metrics endpoint may show."""
        return {"subscriptions": self.open_subscriptions,
                "followerPosition": self.follower.position,
                "followerReads": self.follower.reads,
                "notifications": 0 if self.listener is None else self.listener.notifications}
