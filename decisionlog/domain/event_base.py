"""The base of every event in a trajectory's stream (`decisionlog.domain.events` and
`decisionlog.domain.review_events` hold the event types themselves).

An event holds only what happened; its `apply` changes the aggregate's state and is the
only code that does. Every event also records who stored it and the idempotency key and
input digest of the command that made it, and its place in the trajectory's hash
chain (`previous_digest`, `digest`; see `decisionlog.domain.chain`). This class is never
stored itself, so it may live anywhere; the event types' topics may not move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from decisionlog.domain import chain
from decisionlog.domain.entities import IdempotencyRecord

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


class TrajectoryEvent(Aggregate.Event):
    """Base of every event in a trajectory's stream."""

    recorded_by: str
    idempotency_key: str | None
    input_digest: str | None
    previous_digest: str
    digest: str

    # The field naming the thing the event made or changed (a member, a domain, ...).
    result_field: ClassVar[str | None] = None
    # Fields added after the event type was first stored, each with a default (None or
    # empty): left out of the event while at it, so that the event is stored and hashed
    # exactly as before the field existed (`RecordedAggregate._trigger` leaves them out
    # of the data it hashes; a stored event without one reads the default).
    later_fields: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in self.later_fields:
            if unset(self.__dict__.get(name)):
                self.__dict__.pop(name, None)

    @property
    def result_id(self) -> str | None:
        """The id of the thing the event made or changed, for idempotent repeats."""
        return None if self.result_field is None else str(getattr(self, self.result_field))

    @property
    def idempotency_slot(self) -> str:
        """Where the key's first result is kept: a command's key is scoped to the trajectory."""
        return self.idempotency_key or ""

    def apply(self, aggregate: Trajectory) -> None:
        self.apply_change(aggregate)
        if self.idempotency_key is not None:
            aggregate.idempotency[self.idempotency_slot] = IdempotencyRecord(
                version=self.originator_version,
                input_digest=self.input_digest,
                result_id=self.result_id,
            )
        aggregate.head_digest = self.digest

    def apply_change(self, aggregate: Trajectory) -> None:
        """Change the aggregate's state; each event class says how."""

    def summary(self) -> str:
        """One line for people reading the history."""
        return type(self).__name__

    def data(self) -> dict[str, Any]:
        """The event's own fields, without the stream bookkeeping."""
        return {k: v for k, v in vars(self).items() if k not in _BOOKKEEPING}

    def chain_record(self) -> dict[str, Any]:
        """The record this event's digest is computed over (with its stored previous digest)."""
        return chain.chain_record(
            trajectory_id=self.originator_id, version=self.originator_version,
            event_type=type(self).__name__, recorded_at=self.timestamp,
            recorded_by=self.recorded_by, idempotency_key=self.idempotency_key,
            input_digest=self.input_digest, data=self.data(),
            previous_digest=self.previous_digest,
        )


def unset(value: object) -> bool:
    """Whether a later field's value is its default: None or empty."""
    return value is None or (isinstance(value, (list, tuple)) and not value)


def start_idempotency_slot(key: str) -> str:
    """Where a start's key is kept, apart from the keys of the commands that follow (those
    are scoped to the trajectory; a start's key is scoped to its caller). The prefix is
    stored in snapshots' idempotency records: it stays as it is."""
    return f"startTrajectory\n{key}"


_BOOKKEEPING = frozenset({
    "originator_id", "originator_version", "originator_topic", "timestamp",
    "recorded_by", "idempotency_key", "input_digest", *chain.DIGEST_FIELDS,
})
