"""Whether the storage is full: learnt from writes, confirmed by a probe.

A write that fails for want of space marks the storage full; the next write that
succeeds clears the mark. While it is marked, `StorageCheck.full()` (asked by `GET
/ready`) probes at most once per `PROBE_INTERVAL` seconds whether space has come back,
so that a service whose clients have stopped writing still learns it: the probe
commits a row of `PROBE_BYTES` to table `dl_storage_probe` and deletes it again (a real
write that needs new pages, and on SQLite room in the write-ahead log).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from decisionlog.infrastructure.errors import is_storage_full
from decisionlog.infrastructure.sqltables import Datastore, SQLTable

PROBE_INTERVAL = 1.0
PROBE_BYTES = 16_384
PROBE_TABLE = "dl_storage_probe"


class StorageCheck:
    """The storage's state as this process knows it; thread-safe."""

    def __init__(self, probe: Callable[[], None] | None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._clock = clock
        self._lock = threading.Lock()
        self._full_since: datetime | None = None
        self._probed_at = 0.0

    @property
    def full_since(self) -> datetime | None:
        """When a write last found the storage full, if it still is as far as known."""
        return self._full_since

    def write_failed(self) -> None:
        """A write found no space."""
        with self._lock:
            if self._full_since is None:
                self._full_since = datetime.now(UTC)
                self._probed_at = self._clock()

    def write_succeeded(self) -> None:
        """A write was stored: there is space."""
        if self._full_since is not None:
            with self._lock:
                self._full_since = None

    def full(self) -> bool:
        """Whether the storage is full; while marked so, probe now and then (blocking:
        call it off the event loop)."""
        if self._full_since is None or self._probe is None:
            return self._full_since is not None
        with self._lock:
            if self._clock() - self._probed_at < PROBE_INTERVAL:
                return True
            self._probed_at = self._clock()
        try:
            self._probe()
        except Exception as error:
            if is_storage_full(error):
                return True
            raise
        self.write_succeeded()
        return False


def sql_probe(datastore: Datastore) -> Callable[[], None]:
    """A probe that commits a row needing fresh pages, then deletes it."""
    table = SQLTable(datastore, PROBE_TABLE)
    blob = "BYTEA" if table.postgres else "BLOB"

    def probe() -> None:
        table.create(f"CREATE TABLE IF NOT EXISTS {{table}} (data {blob} NOT NULL)")
        table.run("INSERT INTO {table} (data) VALUES (?)", (os.urandom(PROBE_BYTES),),
                  commit=True)
        table.run("DELETE FROM {table}", commit=True)

    return probe
