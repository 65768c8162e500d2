"""The rules a trajectory's commands check first, and how a command triggers its event.

`TrajectoryRules` is a base class of the `Trajectory` aggregate. It is not an aggregate
itself: it defines no events and holds no state of its own (the state is set by
`Trajectory.__init__` and changed only by the events).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from decisionlog.domain import chain, events
from decisionlog.domain.entities import (
    Decision,
    DecisionDomain,
    DecisionRight,
    IdempotencyRecord,
    Member,
)
from decisionlog.domain.errors import (
    DecisionNotFoundError,
    DecisionNotInForceError,
    DecisionNotSurfacedError,
    DecisionNotWithdrawableError,
    DomainNotFoundError,
    DomainRetiredError,
    DuplicateDomainNameError,
    DuplicateRightError,
    IdempotencyKeyReusedError,
    MemberNotActiveError,
    MemberNotFoundError,
    RightNotFoundError,
    RightNotInForceError,
    TrajectoryClosedError,
    ValidationError,
)
from decisionlog.domain.validation import id_list, optional_text
from decisionlog.domain.values import (
    MAX_NOTE_LENGTH,
    DecisionStatus,
    Provenance,
    RightKind,
    TrajectoryStatus,
    name_key,
)


class TrajectoryRules:
    """A trajectory's checks, lookups and idempotency records, and its event triggering."""

    # The parts of the trajectory's state the rules read.
    status: TrajectoryStatus
    members: dict[str, Member]
    domains: dict[str, DecisionDomain]
    rights: dict[str, DecisionRight]
    decisions: dict[str, Decision]
    idempotency: dict[str, IdempotencyRecord]
    head_digest: str

    # Given by eventsourcing's `Aggregate`; declared for the type checker only, since this
    # class comes before `Aggregate` in `Trajectory`'s bases.
    if TYPE_CHECKING:
        version: int

        @property
        def id(self) -> UUID: ...

        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None: ...

    # Idempotency

    def previous_result(self, key: str, input_digest: str | None) -> IdempotencyRecord | None:
        """The first result for `key`, if a command already came with it."""
        return self._previous(key, key, input_digest)

    def previous_start_result(self, key: str, input_digest: str | None
                              ) -> IdempotencyRecord | None:
        """The start's record, if the trajectory was started with `key`."""
        return self._previous(events.start_idempotency_slot(key), key, input_digest)

    def _previous(self, slot: str, key: str, input_digest: str | None
                  ) -> IdempotencyRecord | None:
        record = self.idempotency.get(slot)
        if record is not None and record.input_digest != input_digest:
            raise IdempotencyKeyReusedError(key)
        return record

    # Checks and lookups

    def _check_open(self) -> None:
        # `==`, not `is`: a trajectory restored from a snapshot has `status` as plain text.
        if self.status == TrajectoryStatus.CLOSED:
            raise TrajectoryClosedError(str(self.id))

    def _member(self, member_id: str) -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise MemberNotFoundError(member_id)
        return member

    def _active_member(self, member_id: str, field: str = "memberId") -> Member:
        if not isinstance(member_id, str) or not member_id:
            raise ValidationError(field, f"{field} must name a member.")
        member = self._member(member_id)
        if not member.active:
            raise MemberNotActiveError(member.id, member.name)
        return member

    def _active_members(self, field: str, ids: Iterable[str] | None, *, required: bool
                        ) -> list[str]:
        return [self._active_member(i, field).id for i in id_list(field, ids, required=required)]

    def _domain(self, domain_id: str) -> DecisionDomain:
        domain = self.domains.get(domain_id)
        if domain is None:
            raise DomainNotFoundError(domain_id)
        return domain

    def _active_domain(self, domain_id: str) -> DecisionDomain:
        domain = self._domain(domain_id)
        if not domain.active:
            raise DomainRetiredError(domain.id, domain.name)
        return domain

    def _check_domain_name_free(self, name: str) -> None:
        key = name_key(name)
        if any(d.active and name_key(d.name) == key for d in self.domains.values()):
            raise DuplicateDomainNameError(name)

    def _check_right_not_granted(self, *, domain_id: str, member_id: str | None,
                                 role: str | None, kind: RightKind, condition: str | None
                                 ) -> None:
        for existing in self.rights.values():
            if (existing.in_force and existing.domain_id == domain_id
                    and existing.member_id == member_id and existing.role == role
                    and existing.kind is kind and existing.condition == condition):
                raise DuplicateRightError(existing.id)

    def _right_in_force(self, right_id: str) -> DecisionRight:
        right = self.rights.get(right_id)
        if right is None:
            raise RightNotFoundError(right_id)
        if not right.in_force:
            raise RightNotInForceError(right_id)
        return right

    def _decision(self, decision_id: str) -> Decision:
        decision = self.decisions.get(decision_id)
        if decision is None:
            raise DecisionNotFoundError(decision_id)
        return decision

    def _decision_in_force(self, decision_id: str) -> Decision:
        decision = self._decision(decision_id)
        if decision.status is not DecisionStatus.IN_FORCE:
            raise DecisionNotInForceError(decision_id, decision.status.value)
        return decision

    def _surfaced_decision(self, decision_id: str) -> Decision:
        decision = self._decision(decision_id)
        if decision.status is not DecisionStatus.PROPOSED_IMPLICIT:
            raise DecisionNotSurfacedError(decision_id, decision.status.value)
        return decision

    def _withdrawable_decision(self, decision_id: str) -> Decision:
        decision = self._decision(decision_id)
        if decision.status not in (DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT):
            raise DecisionNotWithdrawableError(decision_id, decision.status.value)
        return decision

    # Triggering events

    def _close_surfaced(
        self, event_class: type[events.TrajectoryEvent], decision_id: str, field: str,
        member_ids: Iterable[str], note_field: str, note: str | None,
        provenance: Provenance, now: datetime | None,
    ) -> str:
        """Ratify or reject a surfaced implicit decision (the event class says which)."""
        self._check_open()
        decision = self._surfaced_decision(decision_id)
        members = self._active_members(field, member_ids, required=True)
        self._trigger(
            event_class, provenance, now,
            decision_id=decision.id, members=members,
            reason=optional_text(note_field, note, MAX_NOTE_LENGTH),
        )
        return decision.id

    def _trigger(
        self, event_class: type[events.TrajectoryEvent], provenance: Provenance,
        now: datetime | None, **kwargs: Any,
    ) -> None:
        timestamp = now or event_class.create_timestamp()
        self.trigger_event(
            event_class, timestamp=timestamp, **self._stamp(provenance),
            **self._link(self.id, self.version + 1, event_class, timestamp, provenance, kwargs,
                         self.head_digest),
            **kwargs,
        )

    @staticmethod
    def _stamp(provenance: Provenance) -> dict[str, Any]:
        return {
            "recorded_by": provenance.recorded_by,
            "idempotency_key": provenance.idempotency_key,
            "input_digest": provenance.input_digest,
        }

    @staticmethod
    def _link(
        trajectory_id: UUID, version: int, event_class: type[events.TrajectoryEvent],
        timestamp: datetime, provenance: Provenance, data: dict[str, Any],
        previous_digest: str,
    ) -> dict[str, str]:
        """The chain fields of the event about to be triggered: computed before it exists."""
        digest = chain.event_digest(
            trajectory_id=trajectory_id, version=version, event_type=event_class.__name__,
            recorded_at=timestamp, recorded_by=provenance.recorded_by,
            idempotency_key=provenance.idempotency_key, input_digest=provenance.input_digest,
            data=data, previous_digest=previous_digest,
        )
        return {"previous_digest": previous_digest, "digest": digest}
