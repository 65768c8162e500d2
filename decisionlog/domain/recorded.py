"""The plumbing every recorded change shares: provenance, the hash chain, idempotency.

`RecordedAggregate` is the base of the `Trajectory` aggregate. It knows nothing of
trajectories: it stamps each event with who recorded it and the idempotency key and
input digest it came with, links it into the hash chain (`decisionlog.domain.chain`),
and keeps, per idempotency slot, the first result (the events' `apply` fills
`idempotency` and `head_digest`; see `decisionlog.domain.events.TrajectoryEvent`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate

from decisionlog.domain import chain
from decisionlog.domain.event_base import unset

if TYPE_CHECKING:
    from decisionlog.domain.entities import IdempotencyRecord
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.domain.values import Provenance


class RecordedAggregate(Aggregate):
    """An aggregate whose events carry provenance, a place in a hash chain, and whose
    idempotency keys are remembered with their first result."""

    def __init__(self) -> None:
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.head_digest = ""  # every event's apply sets it to the event's digest

    def idempotency_record(self, slot: str) -> IdempotencyRecord | None:
        """The first result of the change that came with this idempotency slot, if any."""
        return self.idempotency.get(slot)

    def state_copy(self) -> Self:
        """A copy of the state as it is now, for reading while this one changes on.

        Dicts and lists of the state are copied; the records in them are shared, which
        is safe because events replace a record instead of changing it in place."""
        twin = object.__new__(type(self))
        twin.__dict__.update({name: value.copy() if type(value) in (dict, list) else value
                              for name, value in vars(self).items()})
        twin.collect_events()  # the pending events are this one's alone
        return twin

    @classmethod
    def _create_recorded(cls, event_class: type[Any], *, aggregate_id: UUID,
                         provenance: Provenance, now: datetime | None, **data: Any) -> Self:
        """Create the aggregate with its first event, chained from the genesis digest."""
        timestamp = now or event_class.create_timestamp()
        return cls._create(
            event_class, id=aggregate_id, timestamp=timestamp, **_stamp(provenance),
            **_link(aggregate_id, 1, event_class, timestamp, provenance, data,
                    chain.genesis_digest(aggregate_id)),
            **data,
        )

    def _trigger(self, event_class: type[TrajectoryEvent], provenance: Provenance,
                 now: datetime | None, **data: Any) -> None:
        """Trigger the next event, stamped and chained to the one before. Later fields at
        their default are left out (see `TrajectoryEvent.later_fields`)."""
        timestamp = now or event_class.create_timestamp()
        data = {name: value for name, value in data.items()
                if not (name in event_class.later_fields and unset(value))}
        self.trigger_event(
            event_class, timestamp=timestamp, **_stamp(provenance),
            **_link(self.id, self.version + 1, event_class, timestamp, provenance, data,
                    self.head_digest),
            **data,
        )


def _stamp(provenance: Provenance) -> dict[str, Any]:
    return {
        "recorded_by": provenance.recorded_by,
        "idempotency_key": provenance.idempotency_key,
        "input_digest": provenance.input_digest,
    }


def _link(aggregate_id: UUID, version: int, event_class: type[TrajectoryEvent],
          timestamp: datetime, provenance: Provenance, data: dict[str, Any],
          previous_digest: str) -> dict[str, str]:
    """The chain fields of the event about to be triggered: computed before it exists."""
    digest = chain.event_digest(
        trajectory_id=aggregate_id, version=version, event_type=event_class.__name__,
        recorded_at=timestamp, recorded_by=provenance.recorded_by,
        idempotency_key=provenance.idempotency_key, input_digest=provenance.input_digest,
        data=data, previous_digest=previous_digest,
    )
    return {"previous_digest": previous_digest, "digest": digest}
