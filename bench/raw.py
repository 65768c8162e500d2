"""Raw limits of eventsourcing on a SQLite file, measured in-process.

- recorder insert: one stored event per transaction, straight into the recorder;
- get-update-save: get a trivial aggregate (from the aggregate cache), trigger one
  event, save; the best a use case that loads, changes and saves can do;
- notification log: select notifications in sections and decode each into its event.

The SQLite files sit in the same directory, with the same settings, as the server's.
The write limits are measured in the rounds of `bench.api`, beside the HTTP writes, so
that a slow spell of the disk hits both alike.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent

from bench.data import open_log
from bench.harness import Stats, rate
from decisionlog.infrastructure.config import parse_database_url

INSERT = "raw: SQLite recorder insert"
GET_UPDATE_SAVE = "raw: SQLite get-update-save"
NOTIFICATIONS = "raw: notification log read+decode"


class Counter(Aggregate):
    """The most trivial aggregate: one number."""

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class RawApplication(Application[UUID]):
    """eventsourcing with nothing of decisionlog, on a SQLite file."""

    name = "Raw"


def raw_application(where: Path | str) -> RawApplication:
    """A raw application on a SQLite file (a path) or on a database URL."""
    store = (parse_database_url(where).env if isinstance(where, str)
             else {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(where)})
    return RawApplication(env={
        **store,
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
    })


def insert_rate(where: Path | str, *, seconds: float) -> float:
    """Stored events inserted per second, one per transaction."""
    app = raw_application(where)
    try:
        originator = uuid4()
        template = app.mapper.to_stored_event(Counter().collect_events()[0])
        version = 0

        def insert() -> None:
            nonlocal version
            version += 1
            app.recorder.insert_events([StoredEvent(
                originator_id=originator, originator_version=version,
                topic=template.topic, state=template.state)])

        return rate(insert, seconds=seconds)
    finally:
        app.close()


def get_update_save_rate(where: Path | str, *, seconds: float) -> float:
    """Get (cached), one event, save: per second, on one aggregate."""
    app = raw_application(where)
    try:
        counter = Counter()
        app.save(counter)

        def get_update_save() -> None:
            aggregate: Counter = app.repository.get(counter.id)
            aggregate.increment()
            app.save(aggregate)

        return rate(get_update_save, seconds=seconds)
    finally:
        app.close()


def notification_rate(path: Path, *, events: int, section: int = 1000) -> float:
    """Notifications selected and decoded into events per second, from the start."""
    app = open_log(path)
    try:
        started = time.perf_counter()
        count = 0
        position: int | None = None
        while count < events:
            notifications = app.recorder.select_notifications(
                start=position, limit=min(section, events - count),
                inclusive_of_start=position is None)
            if not notifications:
                break
            for notification in notifications:
                app.mapper.to_domain_event(notification)
            count += len(notifications)
            position = notifications[-1].id
        return count / (time.perf_counter() - started)
    finally:
        app.close()


def measure_reads(big: Path, *, repeats: int, events: int) -> Stats:
    """The notification-log rate, repeated."""
    return Stats.of([notification_rate(big, events=events) for _ in range(repeats)])
