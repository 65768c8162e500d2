"""Waking the follower on PostgreSQL: LISTEN on the channel every write notifies.

eventsourcing's PostgreSQL recorder runs `NOTIFY <events table>` in each insert
transaction (the projecting recorder keeps that), and PostgreSQL delivers it at commit
to every listening session, in every process and host. The notification carries
nothing the follower uses: it only wakes it to read the log after its position, so a
lost one (the listening connection broke) only delays until the follower's periodic
check. One thread per worker holds one connection of its own for it (not one of the
application's pool), reconnecting after a failure.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("decisionlog.live")

RECONNECT_SECONDS = 1.0
POLL_SECONDS = 0.5  # how often the thread checks whether it should stop


class PostgresListener:
    """LISTENs on the recorder's channel in a thread, calling `wake` on each notify."""

    def __init__(self, recorder: Any, wake: Callable[[], None]) -> None:
        self.channel: str = recorder.channel_name
        self.connect_kwargs: dict[str, Any] = {
            key: value for key, value in recorder.datastore.pool.kwargs.items()
            if key in ("dbname", "host", "port", "user", "password")}
        self.wake = wake
        self.notifications = 0
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True,
                                        name="decisionlog LISTEN")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **self.connect_kwargs) as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(
                        sql.Identifier(self.channel)))
                    self.listening.set()
                    self.wake()  # anything committed while not listening
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self.notifications += 1
                            self.wake()
            except Exception as error:  # the database went away: the periodic check covers
                self.listening.clear()
                if self._stop.is_set():
                    return
                logger.warning("LISTEN on %s failed (%s); reconnecting in %s s",
                               self.channel, type(error).__name__, RECONNECT_SECONDS)
                self._stop.wait(RECONNECT_SECONDS)
        self.listening.clear()


def listener_for(recorder: Any, wake: Callable[[], None]) -> PostgresListener | None:
    """A listener when the recorder is PostgreSQL's; None for other backends."""
    postgres = sys.modules.get("eventsourcing.postgres")  # loaded for PostgreSQL only
    if postgres is None or not isinstance(recorder, postgres.PostgresApplicationRecorder):
        return None
    return PostgresListener(recorder, wake)
