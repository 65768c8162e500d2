"""A read-only view of the decision log's store, for auditing one that may be damaged.

`DecisionLog` brings its read models up to date when it opens, which writes, and which
a damaged log can stop; the auditor's reader only reads the stored events, decoding
them exactly as `DecisionLog` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder

from decisionlog.audit.stored import as_uuid
from decisionlog.infrastructure.transcodings import register_entity_transcodings

if TYPE_CHECKING:
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.domain.trajectory import Trajectory


class AuditReader(Application[UUID]):
    """The stored events of every trajectory, read and decoded, never written."""

    name = "DecisionLog"  # the same settings (environment keys) as the application
    is_snapshotting_enabled = True  # to read the snapshots, which verification can check

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_entity_transcodings(transcoder)

    def get_trajectory(self, trajectory_id: str | UUID) -> Trajectory | None:
        """The trajectory now (from its latest snapshot and events); None if unknown."""
        uuid = as_uuid(trajectory_id)
        if uuid is None:
            return None
        try:
            trajectory: Trajectory = self.repository.get(uuid)
        except AggregateNotFoundError:
            return None
        return trajectory

    def history(self, trajectory_id: str | UUID, *, after: int = 0, limit: int | None = None,
                up_to: int | None = None) -> Iterator[TrajectoryEvent]:
        """The trajectory's events, oldest first, after version `after`."""
        uuid = as_uuid(trajectory_id)
        if uuid is None:
            return iter(())
        events: Iterator[TrajectoryEvent] = iter(
            self.events.get(uuid, gt=after, lte=up_to, limit=limit))  # type: ignore[arg-type]
        return events


def open_reader(env: dict[str, str]) -> AuditReader:
    """A reader of the store the settings name (see `decisionlog.infrastructure.config`)."""
    return AuditReader(env=env)
