"""The GraphQL type of one stored event, for histories and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from decisionlog.api.jsonable import jsonable
from decisionlog.audit.summaries import describe
from decisionlog.domain.event_base import TrajectoryEvent
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate


@strawberry.type
class Event:
    """One stored event, for history and audit."""

    version: int
    type: str
    recorded_at: datetime
    recorded_by: str
    summary: str = strawberry.field(resolver=lambda root: root.describe(), description=(
        "The event in words, with the names of the members (and their role at the time), "
        "domains and decisions it concerns. For people: its wording may change between "
        "versions; read `type` and `data` in programs."))
    data: JSON
    digest: str = strawberry.field(description=(
        "SHA-256 over the event's canonical content and previousDigest (see the README)."))
    previous_digest: str = strawberry.field(description=(
        "The digest of the event before it; for version 1, SHA-256 of the trajectory id."))
    _event: strawberry.Private[TrajectoryEvent]
    _names: strawberry.Private[Callable[[], TrajectoryAggregate | None]]

    def describe(self) -> str:
        return describe(self._event, self._names())

    @classmethod
    def of(cls, event: TrajectoryEvent,
           names: Callable[[], TrajectoryAggregate | None]) -> Event:
        """The event; `names` gives the trajectory that names its members and domains
        (called only when the summary is asked for)."""
        return cls(
            version=event.originator_version, type=type(event).__name__,
            recorded_at=event.timestamp, recorded_by=event.recorded_by,
            data=jsonable(event.data()), digest=event.digest,
            previous_digest=event.previous_digest, _event=event, _names=names,
        )
