"""`DecisionLog`: the one write path, and the reads that need the event store.

`handle(command, ...)` carries out one command (`decisionlog.application.commands`): it
loads the trajectory, checks the idempotency key and the expected version, runs the
command's handler (`decisionlog.application.handlers`) and saves the one event it made;
`handle_many` does so for many requests in one transaction (group commit). How it is all
stored is `decisionlog.infrastructure.storage`.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

import decisionlog.application.handlers as handlers
from decisionlog.application.commands import Command, StartTrajectory, TrajectoryCommand
from decisionlog.application.idempotency import check_repeat
from decisionlog.application.requests import CommandRequest, CommandResult
from decisionlog.domain import events
from decisionlog.domain.errors import (
    DecisionLogError,
    TrajectoryNotFoundError,
    VersionConflictError,
    WriteContentionError,
)
from decisionlog.domain.events import TrajectoryEvent
from decisionlog.domain.trajectory import Trajectory
from decisionlog.infrastructure.storage import DecisionLogStorage

__all__ = ["CommandRequest", "CommandResult", "DecisionLog"]

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

    def handle(self, command: Command, *, recorded_by: str,
               expected_version: int | None = None,
               idempotency_key: str | None = None) -> CommandResult:
        """Carry out a command and store the one event it makes.

        A repeat of the same idempotency key with the same command returns the first
        result and writes nothing (keys are scoped to the trajectory; a start's to
        `recorded_by`). Without an expected version, a change that lost the race to be
        saved is carried out again on the new state.
        """
        return self.handle_request(
            CommandRequest(command, recorded_by, expected_version, idempotency_key))

    def handle_request(self, request: CommandRequest) -> CommandResult:
        """`handle` for a request made beforehand."""
        command = request.command
        if isinstance(command, StartTrajectory):
            return self._start(command, request)
        uuid = parse_id(_trajectory_id(command))
        for attempt in range(MAX_UNCONDITIONAL_ATTEMPTS):
            if attempt > 1:
                time.sleep(random.uniform(
                    0, min(RETRY_PAUSE_CAP, RETRY_PAUSE_SECONDS * 2 ** (attempt - 2))))
            with self._write_lock:
                trajectory = self._load(uuid)
                pending = len(trajectory.pending_events)
                try:
                    result = self._apply(trajectory, request)
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

    def handle_many(self, requests: Sequence[CommandRequest]
                    ) -> list[CommandResult | Exception]:
        """Carry out the requests in order and store all their events in one transaction.

        Group commit: one write to disk for many changes. Each request gets the result
        or the domain error `handle_request` would have given it, had the requests run
        one after another (its result's trajectory as it was right after its own event).
        If a command fails unexpectedly (a bug), or storing the batch fails for any
        reason (another process wrote one of the trajectories meanwhile, a value the
        database refuses), nothing of the batch is stored and each request is run on its
        own instead, with `handle_request`'s retries: a request that fails then gets that
        exception as its outcome, and the others are not affected.
        """
        outcomes: list[CommandResult | Exception] = []
        loaded: dict[UUID, Trajectory] = {}
        live: dict[UUID, int] = {}  # the outcome that holds each trajectory itself
        with self._write_lock:
            try:
                for request in requests:
                    outcomes.append(self._apply_in_batch(request, loaded, live, outcomes))
                changed = [t for t in loaded.values() if t.pending_events]
                if changed:  # all refused: no transaction at all
                    self.save(*changed)
            except Exception:
                self._evict_all(loaded)
            except BaseException:
                self._evict_all(loaded)
                raise
            else:
                return outcomes
        return [_outcome(self.handle_request, request) for request in requests]

    def trajectory_after(self, result: CommandResult) -> Trajectory:
        """The trajectory right after the result's change: the one the result holds
        while no later change reached it, else as of the result's version."""
        trajectory = result.trajectory
        if trajectory is not None and trajectory.version == result.version:
            return trajectory
        earlier = self.get_trajectory(result.trajectory_id, version=result.version)
        assert earlier is not None  # the result's version was stored
        return earlier

    def _apply_in_batch(self, request: CommandRequest, loaded: dict[UUID, Trajectory],
                        live: dict[UUID, int], outcomes: list[CommandResult | Exception]
                        ) -> CommandResult | Exception:
        """Apply one request of a batch to its trajectory (in `loaded`, from the cache
        for the first); a domain error is its outcome, anything else fails the batch.

        A trajectory changed again in the batch is copied first for the outcome that
        held it, so that each result shows the state right after its own event."""
        command = request.command
        try:
            if isinstance(command, StartTrajectory):
                return self._start_in_batch(command, request, loaded, live, len(outcomes))
            uuid = parse_id(_trajectory_id(command))
            trajectory = loaded.get(uuid)
            if trajectory is None:
                trajectory = self._load(uuid)
        except DecisionLogError as error:
            return error
        loaded[uuid] = trajectory  # evicted if the batch fails, whatever changed it
        earlier = live.pop(uuid, None)
        if earlier is not None:  # it holds the trajectory this request may change
            outcome = outcomes[earlier]
            assert isinstance(outcome, CommandResult)
            outcomes[earlier] = replace(outcome, trajectory=trajectory.state_copy())
        pending = len(trajectory.pending_events)
        try:
            result = self._apply(trajectory, request)
        except DecisionLogError as error:
            if len(trajectory.pending_events) != pending:
                raise _BatchFailed from error  # changed state, then failed: a bug
            return error
        except Exception as error:
            raise _BatchFailed from error
        if not result.repeated:  # (a repeat is shown as of its first change's version)
            live[uuid] = len(outcomes)
        return result

    def _start_in_batch(self, command: StartTrajectory, request: CommandRequest,
                        loaded: dict[UUID, Trajectory], live: dict[UUID, int], index: int
                        ) -> CommandResult:
        trajectory_id = self._start_id(request)
        if trajectory_id is not None:
            existing = loaded.get(trajectory_id) or self._find(trajectory_id)
            if existing is not None:
                repeated = self._repeated_start(existing, command, request)
                if repeated is not None:
                    return repeated
        trajectory = handlers.start_trajectory(command, request.provenance(),
                                               trajectory_id=trajectory_id)
        loaded[trajectory.id] = trajectory
        live[trajectory.id] = index
        return CommandResult(trajectory.id, trajectory.version, str(trajectory.id),
                             trajectory=trajectory)

    def _start(self, command: StartTrajectory, request: CommandRequest) -> CommandResult:
        """Start a trajectory; a repeated idempotency key (per caller) returns the first."""
        trajectory_id = self._start_id(request)
        if trajectory_id is not None:
            repeated = self._repeated_start(self._find(trajectory_id), command, request)
            if repeated is not None:
                return repeated
        trajectory = handlers.start_trajectory(command, request.provenance(),
                                               trajectory_id=trajectory_id)
        try:
            self.save(trajectory)
        except IntegrityError:  # started with the same key meanwhile, by another worker
            if trajectory_id is None:
                raise
            repeated = self._repeated_start(self._find(trajectory_id), command, request)
            if repeated is None:
                raise
            return repeated
        return CommandResult(trajectory.id, trajectory.version, str(trajectory.id),
                             trajectory=trajectory)

    @staticmethod
    def _start_id(request: CommandRequest) -> UUID | None:
        """A start with a key gets its id from the caller and the key, so a repeat finds it."""
        if request.idempotency_key is None:
            return None
        return uuid5(IDEMPOTENCY_NAMESPACE, f"{request.recorded_by}\n{request.idempotency_key}")

    @staticmethod
    def _repeated_start(trajectory: Trajectory | None, command: StartTrajectory,
                        request: CommandRequest) -> CommandResult | None:
        key = request.idempotency_key
        if trajectory is None or key is None:
            return None
        record = trajectory.idempotency_record(events.start_idempotency_slot(key))
        if record is None:
            return None
        check_repeat(record.input_digest, command, request.digest or "", key)
        return CommandResult(trajectory.id, record.version, str(trajectory.id), True,
                             trajectory)

    @staticmethod
    def _apply(trajectory: Trajectory, request: CommandRequest) -> CommandResult:
        """Check the idempotency key and the expected version, then run the command."""
        key = request.idempotency_key
        if key is not None:
            record = trajectory.idempotency_record(key)
            if record is not None:
                check_repeat(record.input_digest, request.command, request.digest or "", key)
                return CommandResult(trajectory.id, record.version, record.result_id, True,
                                     trajectory)
        if request.expected_version not in (None, trajectory.version):
            raise VersionConflictError(expected_version=request.expected_version,
                                       actual_version=trajectory.version)
        handler = handlers.HANDLERS[type(request.command)]
        result_id = handler(trajectory, request.command, request.provenance())
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

    def _find(self, trajectory_id: UUID) -> Trajectory | None:
        try:
            return self._load(trajectory_id)
        except TrajectoryNotFoundError:
            return None


def parse_id(trajectory_id: str | UUID) -> UUID:
    """The trajectory id as a UUID; an id that is not one names no trajectory."""
    if isinstance(trajectory_id, UUID):
        return trajectory_id
    try:
        return UUID(trajectory_id)
    except (ValueError, TypeError, AttributeError):
        raise TrajectoryNotFoundError(str(trajectory_id)) from None


def _trajectory_id(command: Command) -> str:
    if not isinstance(command, TrajectoryCommand):
        raise TypeError(f"{type(command).__name__} is not a command on a trajectory")
    return command.trajectory_id


def _outcome(run: Callable[[CommandRequest], CommandResult], request: CommandRequest
             ) -> CommandResult | Exception:
    try:
        return run(request)
    except Exception as error:  # this request's own failure, not the others'
        return error


class _BatchFailed(Exception):
    """A command in a batch failed in a way that leaves the batch unsafe to store."""
