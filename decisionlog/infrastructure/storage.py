"""How `DecisionLog` is stored: eventsourcing's application, wired for decisionlog.

The recorder writes the read models in each save's transaction (and is handed the
domain events, so they need not be decoded again); snapshots follow a widening schedule
and are taken of the aggregate in hand; the transcoder knows the entities and decodes
text; on PostgreSQL the tables are created under a lock. A save that finds no space
raises `StorageFullError` and marks `storage` full until a write succeeds again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import (
    ApplicationRecorder,
    EventStore,
    InfrastructureFactory,
    JSONTranscoder,
    Recording,
    Transcoder,
)
from eventsourcing.utils import Environment, strtobool

from decisionlog.infrastructure.errors import StorageFullError, is_storage_full
from decisionlog.infrastructure.observer import NO_OBSERVER, Observer
from decisionlog.infrastructure.pgsetup import setup_lock
from decisionlog.infrastructure.snapshots import snapshot_due, snapshot_recorder
from decisionlog.infrastructure.storagecheck import StorageCheck, sql_probe
from decisionlog.infrastructure.transcodings import TextJSONTranscoder, register_entity_transcodings
from decisionlog.readmodels import (
    DOMAIN_EVENTS,
    ReadModels,
    catch_up,
    construct_recorder,
    views_of,
)

logger = logging.getLogger("decisionlog.storage")


class DecisionLogStorage(Application[UUID]):
    """eventsourcing's `Application` with decisionlog's recorders, snapshots and
    transcodings; `DecisionLog` adds the use cases."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}
    observer: Observer = NO_OBSERVER  # metrics and traces of saves (operations sets it)

    def __init__(self, env: dict[str, str] | None = None) -> None:
        """Open the stores (creating tables if allowed) and bring the read models up to
        date when they lag behind the events, unless another process is doing that
        already (see `readmodels.rebuild`) or READMODELS_CATCH_UP is off."""
        # Tables are created under a lock that the factory takes (see `pgsetup`), so
        # that several processes may open an empty PostgreSQL database at once.
        self._setup = contextlib.ExitStack()
        with self._setup:
            super().__init__(env)
        self.readmodels = ReadModels(views_of(self.recorder))
        datastore = getattr(self.recorder, "datastore", None)
        self.storage = StorageCheck(None if datastore is None else sql_probe(datastore))
        if self.catches_up and not self.readmodels.store.freshness().current:
            catch_up(self.readmodels.store)  # after an upgrade, or a rebuild cut off

    @property
    def catches_up(self) -> bool:
        """Whether this application brings lagging read models up to date itself
        (READMODELS_CATCH_UP, default yes)."""
        return strtobool(self.env.get("READMODELS_CATCH_UP", "y"))

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        """eventsourcing's factory; on PostgreSQL, holding the setup lock until the
        application's tables exist."""
        factory = super().construct_factory(env)
        self._setup.enter_context(setup_lock(factory))
        return factory

    def construct_recorder(self) -> ApplicationRecorder:
        """The backend's recorder, writing the read models in each save's transaction."""
        return construct_recorder(self.factory, self.mapper)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """Snapshots; on SQLite in a rowid table, read as text when the mapper's
        transcoder decodes text and nothing is encrypted or compressed (see
        `decisionlog.infrastructure.snapshots`)."""
        as_text = (isinstance(self.mapper.transcoder, TextJSONTranscoder)
                   and self.mapper.cipher is None and self.mapper.compressor is None)
        return self.factory.event_store(
            mapper=self.mapper,
            recorder=snapshot_recorder(self.factory, state_as_text=as_text))

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's default JSON transcoder, also decoding text; another one if
        TRANSCODER_TOPIC names it."""
        transcoder = self.factory.transcoder()
        if type(transcoder) is JSONTranscoder:
            transcoder = TextJSONTranscoder()
        if isinstance(transcoder, JSONTranscoder):
            self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_entity_transcodings(transcoder)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Store the events, handing the recorder the domain events too, so that the
        read models need not decode what was just encoded."""
        processing_event.saved_kwargs[DOMAIN_EVENTS] = processing_event.events
        observer = self.observer
        started = time.perf_counter()
        try:
            with observer.span("decisionlog.save"):
                recordings = super()._record(processing_event)
        except Exception as error:
            if is_storage_full(error):
                self.storage.write_failed()
                if not isinstance(error, StorageFullError):
                    raise StorageFullError() from error
            raise
        self.storage.write_succeeded()
        observer.events_saved(len(recordings), time.perf_counter() - started)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot on `snapshot_due`'s widening schedule instead of every interval.

        The snapshot is taken of the saved aggregate in hand (its state is what its
        events, now stored, made), at its version after the save: reconstructing it from
        the store again would cost as much as loading it.
        """
        if self.snapshots is None:
            return
        due: dict[UUID, Any] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate), 0)
            if snapshot_due(event.originator_version, interval):
                due[event.originator_id] = aggregate
        for aggregate in due.values():
            snapshot_class: Any = getattr(type(aggregate), "Snapshot", self.snapshot_class)
            try:
                self.snapshots.put([snapshot_class.take(aggregate)])
            except Exception as error:
                # The events are stored: the change succeeded. A snapshot only speeds up
                # loading, and the next one due is taken as usual.
                if not is_storage_full(error):
                    raise
                self.storage.write_failed()
                logger.warning("Storage full: snapshot of trajectory %s at version %s "
                               "not taken.", aggregate.id, aggregate.version)
