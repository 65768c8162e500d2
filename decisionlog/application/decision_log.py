"""`DecisionLog`: the one write path, and the reads that need the event store.

Each use case loads a trajectory, calls one command on it and saves the one event it
made; `execute_many` saves the events of many such requests in one transaction. Every
command takes the name of whoever records it, an optional expected version and an
optional idempotency key. How it is all stored is `decisionlog.infrastructure.storage`.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from decisionlog.application.requests import Command, CommandRequest, CommandResult, input_digest
from decisionlog.domain.errors import (
    DecisionLogError,
    TrajectoryNotFoundError,
    VersionConflictError,
    WriteContentionError,
)
from decisionlog.domain.events import TrajectoryEvent
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance
from decisionlog.infrastructure.storage import DecisionLogStorage

__all__ = ["Command", "CommandRequest", "CommandResult", "DecisionLog"]

IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:decisionlog:idempotency")
# Without an expected version, a change that lost the race to save (another worker saved
# the same trajectory first) is retried on the new state: at once, then after a random
# pause of up to 1, 2, 4 ... RETRY_PAUSE_CAP ms, so that writers in several processes
# stop colliding (in one process the write lock already lines them up).
MAX_UNCONDITIONAL_ATTEMPTS = 40
RETRY_PAUSE_SECONDS = 0.001
RETRY_PAUSE_CAP = 0.032


class DecisionLog(DecisionLogStorage):
    """The decision log of every trajectory."""

    name = "DecisionLog"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Trajectory: 200}
    env: ClassVar[dict[str, str]] = {
        # ~0.13 MB per 100-event trajectory; DECISIONLOG_AGGREGATE_CACHE_MAXSIZE sets it
        "AGGREGATE_CACHE_MAXSIZE": "200",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
    }

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._write_lock = threading.RLock()

    # Writing

    def start_trajectory(
        self,
        *,
        name: str,
        client: str | None,
        description: str | None,
        recorded_by: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Start a trajectory; a repeated idempotency key (per caller) returns the first."""
        digest = input_digest("startTrajectory", name=name, client=client,
                              description=description)
        provenance = Provenance(recorded_by, idempotency_key, digest)
        trajectory_id = None
        if idempotency_key is not None:
            trajectory_id = uuid5(IDEMPOTENCY_NAMESPACE, f"{recorded_by}\n{idempotency_key}")
            repeated = self._repeated(trajectory_id, idempotency_key, digest)
            if repeated is not None:
                return repeated
        trajectory = Trajectory.start(
            name=name, client=client, description=description, provenance=provenance,
            trajectory_id=trajectory_id,
        )
        try:
            self.save(trajectory)
        except IntegrityError:
            if trajectory_id is None:
                raise
            repeated = self._repeated(trajectory_id, idempotency_key or "", digest)
            if repeated is None:
                raise
            return repeated
        return CommandResult(trajectory.id, trajectory.version, str(trajectory.id),
                             trajectory=trajectory)

    def execute(
        self,
        trajectory_id: str | UUID,
        command: Command,
        *,
        recorded_by: str,
        name: str,
        inputs: dict[str, Any],
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Run `command` on a trajectory and save the event it made.

        `name` and `inputs` identify the command for idempotency: a repeat of the same
        key with the same name and inputs returns the first result and writes nothing.
        Without an expected version, a concurrent write is retried on the new state.
        """
        return self.execute_request(CommandRequest(
            trajectory_id, command, recorded_by, name, inputs, expected_version,
            idempotency_key))

    def execute_request(self, request: CommandRequest) -> CommandResult:
        """`execute` for a request made beforehand."""
        uuid = parse_id(request.trajectory_id)
        provenance = request.provenance()
        for attempt in range(MAX_UNCONDITIONAL_ATTEMPTS):
            if attempt > 1:
                time.sleep(random.uniform(
                    0, min(RETRY_PAUSE_CAP, RETRY_PAUSE_SECONDS * 2 ** (attempt - 2))))
            with self._write_lock:
                trajectory = self._load(uuid)
                pending = len(trajectory.pending_events)
                try:
                    result = self._apply(trajectory, request, provenance)
                    self.save(trajectory)
                except IntegrityError:
                    self._evict(uuid)
                    if request.expected_version is not None:
                        raise VersionConflictError(
                            expected_version=request.expected_version,
                            actual_version=self._load(uuid).version,
                        ) from None
                    continue
                except DecisionLogError:
                    # Commands check before they change anything: a refused one leaves
                    # the cached trajectory as it was, so keep it (reloading a long one
                    # costs seconds). Only a command that changed state and then failed
                    # (a bug) leaves pending events behind.
                    if len(trajectory.pending_events) != pending:
                        self._evict(uuid)
                    raise
                except BaseException:
                    self._evict(uuid)
                    raise
                return result
        raise WriteContentionError(
            attempts=MAX_UNCONDITIONAL_ATTEMPTS, expected_version=trajectory.version - 1,
            actual_version=self._load(uuid).version)

    def execute_many(self, requests: Sequence[CommandRequest]
                     ) -> list[CommandResult | Exception]:
        """Run the requests in order and store all their events in one transaction.

        Group commit: one write to disk for many changes. Each request gets the result
        or the domain error `execute_request` would have given it, had the requests run
        one after another. If a command fails unexpectedly (a bug), or the transaction
        fails because another process wrote one of the trajectories meanwhile, nothing
        of the batch is stored and each request is run on its own instead, with
        `execute_request`'s retries: a request whose command fails then gets that
        exception as its outcome, and the others are not affected. Only a failure to
        store (the database is gone, say) is raised, and then nothing was stored.
        """
        outcomes: list[CommandResult | Exception] = []
        loaded: dict[UUID, Trajectory] = {}
        with self._write_lock:
            try:
                for request in requests:
                    outcomes.append(self._apply_in_batch(request, loaded))
                changed = [t for t in loaded.values() if t.pending_events]
                if changed:  # all refused: no transaction at all
                    self.save(*changed)
            except (_BatchFailed, IntegrityError):
                self._evict_all(loaded)
            except BaseException:
                self._evict_all(loaded)
                raise
            else:
                return outcomes
        return [_outcome(self.execute_request, request) for request in requests]

    def _apply_in_batch(self, request: CommandRequest, loaded: dict[UUID, Trajectory]
                        ) -> CommandResult | Exception:
        """Apply one request of a batch to its trajectory (in `loaded`, from the cache
        for the first); a domain error is its outcome, anything else fails the batch."""
        try:
            uuid = parse_id(request.trajectory_id)
            trajectory = loaded.get(uuid)
            if trajectory is None:
                trajectory = self._load(uuid)
        except DecisionLogError as error:
            return error
        loaded[uuid] = trajectory  # evicted if the batch fails, whatever changed it
        pending = len(trajectory.pending_events)
        try:
            result = self._apply(trajectory, request, request.provenance())
        except DecisionLogError as error:
            if len(trajectory.pending_events) != pending:
                raise _BatchFailed from error  # changed state, then failed: a bug
            return error
        except Exception as error:
            raise _BatchFailed from error
        return result

    @staticmethod
    def _apply(trajectory: Trajectory, request: CommandRequest, provenance: Provenance
               ) -> CommandResult:
        """Check the idempotency key and the expected version, then run the command."""
        key = request.idempotency_key
        if key is not None:
            record = trajectory.previous_result(key, provenance.input_digest)
            if record is not None:
                return CommandResult(trajectory.id, record.version, record.result_id, True,
                                     trajectory)
        if request.expected_version not in (None, trajectory.version):
            raise VersionConflictError(expected_version=request.expected_version,
                                       actual_version=trajectory.version)
        result_id = request.command(trajectory, provenance)
        return CommandResult(trajectory.id, trajectory.version, result_id,
                             trajectory=trajectory)

    # Reading

    def get_trajectory(
        self, trajectory_id: str | UUID, *, version: int | None = None,
        at: datetime | None = None,
    ) -> Trajectory | None:
        """The trajectory now, as of a version, or as recorded at a moment; None if unknown."""
        try:
            uuid = parse_id(trajectory_id)
        except TrajectoryNotFoundError:
            return None
        if at is not None:
            version = self.version_at(uuid, at)
        if version is not None and version < 1:
            return None
        try:
            if version is None:
                return self._load(uuid)
            trajectory: Trajectory = self.repository.get(uuid, version=version)
        except TrajectoryNotFoundError:
            return None
        except AggregateNotFoundError:
            return None
        return trajectory

    def version_at(self, trajectory_id: UUID, at: datetime) -> int:
        """The number of the trajectory's events recorded at or before `at`."""
        last = list(self.events.get(trajectory_id, desc=True, limit=1))
        if not last:
            return 0
        low, high = 0, last[0].originator_version
        while low < high:  # the last version recorded at or before `at`
            middle = (low + high + 1) // 2
            event = next(iter(self.events.get(trajectory_id, gt=middle - 1, limit=1)))
            if cast(TrajectoryEvent, event).timestamp <= at:
                low = middle
            else:
                high = middle - 1
        return low

    def history(
        self, trajectory_id: str | UUID, *, after: int = 0, limit: int | None = None,
        up_to: int | None = None,
    ) -> Iterator[TrajectoryEvent]:
        """The trajectory's events, oldest first, after version `after`."""
        uuid = parse_id(trajectory_id)
        events: Iterable[TrajectoryEvent] = self.events.get(
            uuid, gt=after, lte=up_to, limit=limit)  # type: ignore[assignment]
        return iter(events)

    # Helpers

    def _load(self, trajectory_id: UUID) -> Trajectory:
        try:
            trajectory: Trajectory = self.repository.get(trajectory_id)
        except AggregateNotFoundError:
            raise TrajectoryNotFoundError(str(trajectory_id)) from None
        return trajectory

    def _evict_all(self, trajectories: dict[UUID, Trajectory]) -> None:
        for trajectory_id in trajectories:
            self._evict(trajectory_id)

    def _evict(self, trajectory_id: UUID) -> None:
        # LRUCache.put(key, None) would store None (served as the aggregate on the next
        # get); evict the entry instead so the next load rebuilds it from stored events.
        if self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(trajectory_id, evict=True)

    def _repeated(self, trajectory_id: UUID, key: str, digest: str) -> CommandResult | None:
        try:
            trajectory = self._load(trajectory_id)
        except TrajectoryNotFoundError:
            return None
        record = trajectory.previous_start_result(key, digest)
        if record is None:
            return None
        return CommandResult(trajectory.id, record.version, str(trajectory.id), True,
                             trajectory)


def parse_id(trajectory_id: str | UUID) -> UUID:
    """The trajectory id as a UUID; an id that is not one names no trajectory."""
    if isinstance(trajectory_id, UUID):
        return trajectory_id
    try:
        return UUID(trajectory_id)
    except (ValueError, TypeError, AttributeError):
        raise TrajectoryNotFoundError(str(trajectory_id)) from None


def _outcome(run: Callable[[CommandRequest], CommandResult], request: CommandRequest
             ) -> CommandResult | Exception:
    try:
        return run(request)
    except Exception as error:  # this request's own failure, not the others'
        return error


class _BatchFailed(Exception):
    """A command in a batch failed in a way that leaves the batch unsafe to store."""
