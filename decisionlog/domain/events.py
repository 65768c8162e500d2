"""The events of a trajectory's stream, past tense, one per kind of change (those of
frames and reviews are in `decisionlog.domain.review_events`; their base,
`TrajectoryEvent`, in `decisionlog.domain.event_base`).

An event holds only what happened; its `apply` changes the aggregate's state and is the
only code that does. Their topics (`decisionlog.domain.events:ClassName`) are stored:
never move or rename one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from decisionlog.domain import reviews
from decisionlog.domain.entities import (
    Decision,
    DecisionDomain,
    DecisionRight,
    Member,
    RoleChange,
)
from decisionlog.domain.event_base import (
    TrajectoryEvent,
    start_idempotency_slot,
    unset,
)
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    ReviewReasonKind,
    RightKind,
    Scale,
    Side,
    TrajectoryStatus,
)

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory

ENDED_WITH_MEMBER = "member removed"


class TrajectoryStarted(TrajectoryEvent, Aggregate.Created):
    """A trajectory was started."""

    name: str
    client: str | None
    description: str | None

    @property
    def idempotency_slot(self) -> str:
        return start_idempotency_slot(self.idempotency_key or "")

    def summary(self) -> str:
        return f"Trajectory {self.name!r} started" + (
            f" with {self.client}" if self.client else "")


class TrajectoryClosed(TrajectoryEvent):
    """The trajectory was closed; it accepts no further changes."""

    reason: str | None

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.status = TrajectoryStatus.CLOSED
        aggregate.closed_reason = self.reason

    def summary(self) -> str:
        return "Trajectory closed" + (f": {self.reason}" if self.reason else "")


class MemberAdded(TrajectoryEvent):
    """A person joined the design team."""

    member_id: str
    name: str
    role: str
    side: Side
    membership: Membership

    result_field = "member_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.members[self.member_id] = Member(
            id=self.member_id, name=self.name, role=self.role, side=Side(self.side),
            membership=Membership(self.membership), joined_at=self.timestamp,
            role_history=[RoleChange(since=self.timestamp, role=self.role)],
        )

    def summary(self) -> str:
        return f"{self.name} joined as {self.role} ({self.side}, {self.membership})"


class MemberChanged(TrajectoryEvent):
    """A member's role or membership changed."""

    member_id: str
    role: str | None
    membership: Membership | None

    result_field = "member_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        member = aggregate.members[self.member_id]
        if self.role is not None and self.role != member.role:
            member = replace(member, role=self.role, role_history=[
                *member.role_history, RoleChange(since=self.timestamp, role=self.role)])
        if self.membership is not None:
            member = replace(member, membership=Membership(self.membership))
        aggregate.members[self.member_id] = member

    def summary(self) -> str:
        changes = [f"role {self.role}" if self.role else "",
                   f"membership {self.membership}" if self.membership else ""]
        return f"Member {self.member_id} changed: " + ", ".join(c for c in changes if c)


class MemberRemoved(TrajectoryEvent):
    """A member left the design team; the rights granted to them directly ended."""

    member_id: str
    reason: str | None

    result_field = "member_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.members[self.member_id] = replace(
            aggregate.members[self.member_id], left_at=self.timestamp, left_reason=self.reason)
        for right in list(aggregate.rights.values()):
            if right.member_id == self.member_id and right.in_force:
                aggregate.rights[right.id] = replace(
                    right, ended_at=self.timestamp, ended_reason=ENDED_WITH_MEMBER)

    def summary(self) -> str:
        return f"Member {self.member_id} left" + (f": {self.reason}" if self.reason else "")


class DomainDefined(TrajectoryEvent):
    """A decision domain was defined."""

    domain_id: str
    name: str
    description: str | None

    result_field = "domain_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.domains[self.domain_id] = DecisionDomain(
            id=self.domain_id, name=self.name, description=self.description,
            defined_at=self.timestamp,
        )

    def summary(self) -> str:
        return f"Decision domain {self.name!r} defined"


class DomainRetired(TrajectoryEvent):
    """A decision domain was retired."""

    domain_id: str
    reason: str | None

    result_field = "domain_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.domains[self.domain_id] = replace(
            aggregate.domains[self.domain_id], retired_at=self.timestamp,
            retired_reason=self.reason)

    def summary(self) -> str:
        return f"Decision domain {self.domain_id} retired"


class RightGranted(TrajectoryEvent):
    """A member or a role was granted a right on a domain."""

    right_id: str
    domain_id: str
    member_id: str | None
    role: str | None
    right: RightKind
    condition: str | None
    effective_from: datetime | None
    phase_ids: list[str] | None = None  # only in grants for some phases

    result_field = "right_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.rights[self.right_id] = DecisionRight(
            id=self.right_id, domain_id=self.domain_id, member_id=self.member_id,
            role=self.role, kind=RightKind(self.right), condition=self.condition,
            granted_at=self.timestamp,
            effective_from=self.effective_from or self.timestamp,
            phase_ids=list(self.phase_ids or ()),
        )

    def summary(self) -> str:
        holder = f"member {self.member_id}" if self.member_id else f"role {self.role!r}"
        when = f" ({self.condition})" if self.condition else ""
        return f"{holder} {self.right} on domain {self.domain_id}{when}"


class RightRevoked(TrajectoryEvent):
    """A decision right ended."""

    right_id: str
    reason: str | None

    result_field = "right_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.rights[self.right_id] = replace(
            aggregate.rights[self.right_id], ended_at=self.timestamp, ended_reason=self.reason)

    def summary(self) -> str:
        return f"Right {self.right_id} revoked" + (f": {self.reason}" if self.reason else "")


class DecisionRecorded(TrajectoryEvent):
    """An explicit decision was recorded, possibly superseding decisions in force."""

    decision_id: str
    domain_id: str
    title: str
    statement: str
    rationale: str | None
    options_considered: list[str]
    decided_by: list[str]
    consulted: list[str]
    scale: Scale
    kind: DecisionKind
    decided_at: datetime
    supersedes: list[str]
    within_frames: Sequence[str] = ()
    review_by: datetime | None = None
    # [{decision_id, frame_id, through_id}]: what superseding frames put up for review
    up_for_review: Sequence[dict[str, str]] = ()

    result_field = "decision_id"
    later_fields = frozenset({"within_frames", "review_by", "up_for_review"})

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.decisions[self.decision_id] = Decision(
            id=self.decision_id, domain_id=self.domain_id, title=self.title,
            statement=self.statement, rationale=self.rationale,
            options_considered=list(self.options_considered),
            decided_by=list(self.decided_by), consulted=list(self.consulted),
            scale=Scale(self.scale), kind=DecisionKind(self.kind),
            origin=DecisionOrigin.EXPLICIT, status=DecisionStatus.IN_FORCE,
            decided_at=self.decided_at, recorded_at=self.timestamp,
            supersedes=list(self.supersedes), within_frames=list(self.within_frames),
            review_by=self.review_by,
        )
        for superseded_id in self.supersedes:
            superseded = aggregate.decisions[superseded_id]
            aggregate.decisions[superseded_id] = replace(
                superseded, status=DecisionStatus.SUPERSEDED, review_reasons=[],
                superseded_by=[*superseded.superseded_by, self.decision_id])
        reviews.put_up_for_review(
            aggregate, self.up_for_review, kind=ReviewReasonKind.FRAME_SUPERSEDED,
            cause_id=self.decision_id, version=self.originator_version, at=self.timestamp)

    def summary(self) -> str:
        verb = "Frame" if self.kind == DecisionKind.FRAME else "Decision"
        return f"{verb} recorded: {self.title}"


class ImplicitDecisionSurfaced(TrajectoryEvent):
    """Someone named a decision that had been taken without being named."""

    decision_id: str
    domain_id: str
    title: str
    statement: str
    surfaced_by: str
    since: datetime | None
    evidence: str | None
    scale: Scale
    kind: DecisionKind
    within_frames: Sequence[str] = ()

    result_field = "decision_id"
    later_fields = frozenset({"within_frames"})

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.decisions[self.decision_id] = Decision(
            id=self.decision_id, domain_id=self.domain_id, title=self.title,
            statement=self.statement, rationale=None, options_considered=[],
            decided_by=[], consulted=[], scale=Scale(self.scale),
            kind=DecisionKind(self.kind), origin=DecisionOrigin.IMPLICIT,
            status=DecisionStatus.PROPOSED_IMPLICIT, decided_at=self.since,
            recorded_at=self.timestamp, surfaced_by=self.surfaced_by,
            evidence=self.evidence, within_frames=list(self.within_frames),
        )

    def summary(self) -> str:
        return f"Implicit decision surfaced: {self.title}"


class DecisionRatified(TrajectoryEvent):
    """A surfaced implicit decision was ratified: it is in force and explicit now."""

    decision_id: str
    members: list[str]
    reason: str | None
    review_by: datetime | None = None

    result_field = "decision_id"
    later_fields = frozenset({"review_by"})

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.decisions[self.decision_id] = replace(
            aggregate.decisions[self.decision_id], status=DecisionStatus.IN_FORCE,
            ratified_by=list(self.members), decided_by=list(self.members),
            ratified_at=self.timestamp, rationale=self.reason, review_by=self.review_by)

    def summary(self) -> str:
        return f"Decision {self.decision_id} ratified"


class DecisionRejected(TrajectoryEvent):
    """A surfaced implicit decision was rejected: it is reopened."""

    decision_id: str
    members: list[str]
    reason: str | None

    result_field = "decision_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        _close(aggregate, DecisionStatus.REJECTED, self)

    def summary(self) -> str:
        return f"Decision {self.decision_id} rejected"


class DecisionWithdrawn(TrajectoryEvent):
    """A decision was withdrawn (a withdrawn frame puts what lies within it up for review)."""

    decision_id: str
    members: list[str]
    reason: str | None
    up_for_review: Sequence[dict[str, str]] = ()  # as on DecisionRecorded

    result_field = "decision_id"
    later_fields = frozenset({"up_for_review"})

    def apply_change(self, aggregate: Trajectory) -> None:
        _close(aggregate, DecisionStatus.WITHDRAWN, self)
        reviews.put_up_for_review(
            aggregate, self.up_for_review, kind=ReviewReasonKind.FRAME_WITHDRAWN,
            cause_id=None, version=self.originator_version, at=self.timestamp)

    def summary(self) -> str:
        return f"Decision {self.decision_id} withdrawn"


def _close(aggregate: Trajectory, status: DecisionStatus,
           event: DecisionRejected | DecisionWithdrawn) -> None:
    aggregate.decisions[event.decision_id] = replace(
        aggregate.decisions[event.decision_id], status=status, review_reasons=[],
        closed_by=list(event.members), closed_at=event.timestamp, closed_reason=event.reason)


__all__ = [
    "ENDED_WITH_MEMBER", "TrajectoryEvent", "start_idempotency_slot", "unset",
]
