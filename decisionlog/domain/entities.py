"""The things a trajectory holds: members, decision domains, decision rights, decisions.

They are records owned by the `Trajectory` aggregate. Each keeps the history needed to
answer "who held what, when", and the rules that guard its own state ("only a decision
in force can be superseded"). Events never change a record in place: they put a changed
copy (`dataclasses.replace`) in its place, so a copy of the trajectory's dicts
(`RecordedAggregate.state_copy`) keeps showing the state it was taken at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain.errors import (
    DecisionNotInForceError,
    DecisionNotSurfacedError,
    DecisionNotWithdrawableError,
    DomainRetiredError,
    FrameNotInForceError,
    MemberNotActiveError,
    NotAFrameError,
    OutcomeOnClosedDecisionError,
    RightNotInForceError,
)
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    RightKind,
    Scale,
    Side,
)

if TYPE_CHECKING:
    from decisionlog.domain.reviews import Confirmation, Outcome, ReviewReason


@dataclass(slots=True)
class RoleChange:
    """From `since` on, the member has `role`."""

    since: datetime
    role: str


@dataclass(slots=True)
class Member:
    """A person on the design team."""

    id: str
    name: str
    role: str
    side: Side
    membership: Membership
    joined_at: datetime
    left_at: datetime | None = None
    left_reason: str | None = None
    role_history: list[RoleChange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.side = Side(self.side)
        self.membership = Membership(self.membership)

    @property
    def active(self) -> bool:
        return self.left_at is None

    def check_active(self) -> Member:
        """This member, if still on the team: a member who left cannot act or hold a right."""
        if not self.active:
            raise MemberNotActiveError(self.id, self.name)
        return self

    def role_at(self, moment: datetime) -> str | None:
        """The member's role at `moment`, or None if the member had left by then.

        The first role reaches back before the member was recorded, so that decisions
        recorded with an earlier `decidedAt` can be judged.
        """
        if self.left_at is not None and moment >= self.left_at:
            return None
        role = self.role_history[0].role if self.role_history else self.role
        for change in self.role_history:
            if change.since <= moment:
                role = change.role
            else:
                break
        return role


@dataclass(slots=True)
class DecisionDomain:
    """A named area of decisions: the "about what"."""

    id: str
    name: str
    description: str | None
    defined_at: datetime
    retired_at: datetime | None = None
    retired_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def check_active(self) -> DecisionDomain:
        """This domain, if not retired: nothing new is decided or granted on a retired one."""
        if not self.active:
            raise DomainRetiredError(self.id, self.name)
        return self


@dataclass(slots=True)
class DecisionRight:
    """Who DECIDES, ADVISES or is INFORMED about a domain, and optionally when."""

    id: str
    domain_id: str
    member_id: str | None
    role: str | None
    kind: RightKind
    condition: str | None
    granted_at: datetime
    effective_from: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = None
    phase_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kind = RightKind(self.kind)

    def holds_in(self, phase_id: str | None) -> bool:
        """Whether the right holds in the phase: a right for no phase in particular holds
        in every phase (and before any phase started); one for some phases only in those."""
        return not self.phase_ids or (phase_id is not None and phase_id in self.phase_ids)

    @property
    def in_force(self) -> bool:
        return self.ended_at is None

    def check_in_force(self) -> DecisionRight:
        """This right, if it has not ended: only a right in force can be revoked."""
        if not self.in_force:
            raise RightNotInForceError(self.id)
        return self

    def in_force_at(self, moment: datetime) -> bool:
        """Whether the right had taken effect and not yet ended at `moment`."""
        return self.effective_from <= moment and (
            self.ended_at is None or moment < self.ended_at
        )


@dataclass(slots=True)
class Decision:
    """An explicit decision, or an implicit one someone surfaced."""

    id: str
    domain_id: str
    title: str
    statement: str
    rationale: str | None
    options_considered: list[str]
    decided_by: list[str]
    consulted: list[str]
    scale: Scale
    kind: DecisionKind
    origin: DecisionOrigin
    status: DecisionStatus
    decided_at: datetime | None
    recorded_at: datetime
    supersedes: list[str] = field(default_factory=list)
    superseded_by: list[str] = field(default_factory=list)
    surfaced_by: str | None = None
    evidence: str | None = None
    ratified_by: list[str] = field(default_factory=list)
    ratified_at: datetime | None = None
    closed_by: list[str] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_reason: str | None = None
    informed: list[InformedMark] = field(default_factory=list)
    # Frames and reviews (decisionlog.domain.reviews), each empty in older snapshots.
    within_frames: list[str] = field(default_factory=list)
    review_by: datetime | None = None
    review_reasons: list[ReviewReason] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scale = Scale(self.scale)
        self.kind = DecisionKind(self.kind)
        self.origin = DecisionOrigin(self.origin)
        self.status = DecisionStatus(self.status)

    @property
    def since(self) -> datetime | None:
        """For an implicit decision: when it probably began."""
        return self.decided_at if self.origin is DecisionOrigin.IMPLICIT else None

    @property
    def deciders(self) -> list[str]:
        """Who took it: the deciders of an explicit decision, the ratifiers of an
        implicit one (nobody before ratification)."""
        return self.ratified_by if self.origin is DecisionOrigin.IMPLICIT else self.decided_by

    @property
    def judged_at(self) -> datetime | None:
        """The moment its mandate and who had to be heard are judged at: `decided_at` of
        an explicit decision, the ratification of an implicit one (None before)."""
        return self.ratified_at if self.origin is DecisionOrigin.IMPLICIT else self.decided_at

    def informed_ids(self) -> set[str]:
        """The members marked informed of it."""
        return {mark.member_id for mark in self.informed}

    def check_supersedable(self) -> Decision:
        """This decision, if it can be superseded: only a decision in force can."""
        if self.status is not DecisionStatus.IN_FORCE:
            raise DecisionNotInForceError(self.id, self.status.value)
        return self

    def check_surfaced(self) -> Decision:
        """This decision, if it can be ratified or rejected: only a surfaced implicit
        decision awaiting ratification can."""
        if self.status is not DecisionStatus.PROPOSED_IMPLICIT:
            raise DecisionNotSurfacedError(self.id, self.status.value)
        return self

    def check_withdrawable(self) -> Decision:
        """This decision, if it can be withdrawn: in force, or surfaced and awaiting."""
        if self.status not in (DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT):
            raise DecisionNotWithdrawableError(self.id, self.status.value)
        return self

    def check_in_force(self, action: str) -> Decision:
        """This decision, if in force: only a decision in force can `action`."""
        if self.status is not DecisionStatus.IN_FORCE:
            raise DecisionNotInForceError(self.id, self.status.value, action)
        return self

    def check_frame(self) -> Decision:
        """This decision, if it can bound others: a frame, in force."""
        if self.kind is not DecisionKind.FRAME:
            raise NotAFrameError(self.id, self.title)
        if self.status is not DecisionStatus.IN_FORCE:
            raise FrameNotInForceError(self.id, self.title, self.status.value)
        return self

    def check_observable(self) -> Decision:
        """This decision, if an outcome of it can be recorded: not withdrawn or rejected."""
        if self.status in (DecisionStatus.WITHDRAWN, DecisionStatus.REJECTED):
            raise OutcomeOnClosedDecisionError(self.id, self.status.value)
        return self


@dataclass(slots=True)
class InformedMark:
    """A member was told of a decision at `informed_at` (recorded at `recorded_at`)."""

    member_id: str
    informed_at: datetime
    recorded_at: datetime


@dataclass(slots=True)
class IdempotencyRecord:
    """The first result of a command that came with an idempotency key."""

    version: int
    input_digest: str | None
    result_id: str | None
