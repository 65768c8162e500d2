"""The commands: one frozen dataclass per change a trajectory accepts, in domain terms.

A command is what a caller asks for, whoever the caller is (the GraphQL API, the pages,
the demo, a test): `DecisionLog.handle(command, recorded_by=..., expected_version=...,
idempotency_key=...)` carries it out. Who records it, the expected version and the
idempotency key are not part of the command: they say how to carry it out, not what.

Fields hold plain values: ids as text, enumerations from `decisionlog.domain.values`,
aware datetimes, tuples for collections. The domain checks every value when the command
runs (a bad one is a `ValidationError` naming its field). A command's idempotency digest
is its type name and the fields that differ from their defaults
(`decisionlog.application.idempotency`), so a field added later with a default leaves the
digests of earlier requests unchanged: give every new field a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from decisionlog.domain.values import DecisionKind, Membership, RightKind, Scale, Side, Verdict


@dataclass(frozen=True, kw_only=True)
class Command:
    """A change asked of the decision log."""


@dataclass(frozen=True, kw_only=True)
class TrajectoryCommand(Command):
    """A change to an existing trajectory; `trajectory_id` says which (it addresses the
    command and is not part of its idempotency digest)."""

    trajectory_id: str


# Starting and closing


@dataclass(frozen=True, kw_only=True)
class StartTrajectory(Command):
    """Start a trajectory. Its idempotency key is scoped to whoever records it."""

    name: str
    client: str | None = None
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class CloseTrajectory(TrajectoryCommand):
    """Close a trajectory: it accepts no changes after this one."""

    reason: str | None = None


# The design team


@dataclass(frozen=True, kw_only=True)
class AddMember(TrajectoryCommand):
    """Add a person to the design team."""

    name: str
    role: str
    side: Side
    membership: Membership = Membership.CORE


@dataclass(frozen=True, kw_only=True)
class ChangeMember(TrajectoryCommand):
    """Change a member's role, membership, or both."""

    member_id: str
    role: str | None = None
    membership: Membership | None = None


@dataclass(frozen=True, kw_only=True)
class RemoveMember(TrajectoryCommand):
    """Remove a member; the rights granted to that member directly end with it."""

    member_id: str
    reason: str | None = None


# Decision domains and rights


@dataclass(frozen=True, kw_only=True)
class DefineDomain(TrajectoryCommand):
    """Define a decision domain: the "about what"."""

    name: str
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class RetireDomain(TrajectoryCommand):
    """Retire a decision domain; its history stays."""

    domain_id: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class GrantRight(TrajectoryCommand):
    """Grant a member (`member_id`) or a role (`role`), not both, a right on a domain."""

    domain_id: str
    right: RightKind
    member_id: str | None = None
    role: str | None = None
    condition: str | None = None
    effective_from: datetime | None = None
    phases: tuple[str, ...] = ()  # none: every phase


@dataclass(frozen=True, kw_only=True)
class RevokeRight(TrajectoryCommand):
    """End a decision right."""

    right_id: str
    reason: str | None = None


# Phases of the design process


@dataclass(frozen=True, kw_only=True)
class DefinePhase(TrajectoryCommand):
    """Define a phase; without `order`, after every phase defined so far."""

    name: str
    description: str | None = None
    order: int | None = None


@dataclass(frozen=True, kw_only=True)
class RetirePhase(TrajectoryCommand):
    """Retire a phase that is not the current one; its history stays."""

    phase_id: str
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class StartPhase(TrajectoryCommand):
    """Make a phase the current one from `started_at` (default: now) on."""

    phase_id: str
    started_at: datetime | None = None


# Decisions


@dataclass(frozen=True, kw_only=True)
class RecordDecision(TrajectoryCommand):
    """Record an explicit decision, possibly superseding decisions in force."""

    domain_id: str
    title: str
    statement: str
    decided_by: tuple[str, ...]
    rationale: str | None = None
    options_considered: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    scale: Scale = Scale.SMALL
    kind: DecisionKind = DecisionKind.DECISION
    decided_at: datetime | None = None
    supersedes: tuple[str, ...] = ()
    within_frames: tuple[str, ...] = ()
    review_by: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SurfaceImplicitDecision(TrajectoryCommand):
    """Name a decision taken without anyone naming it; it awaits ratification."""

    domain_id: str
    title: str
    statement: str
    surfaced_by: str
    since: datetime | None = None
    evidence: str | None = None
    scale: Scale = Scale.SMALL
    kind: DecisionKind = DecisionKind.DECISION
    within_frames: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RatifyDecision(TrajectoryCommand):
    """Ratify a surfaced implicit decision: it comes into force."""

    decision_id: str
    ratified_by: tuple[str, ...]
    rationale: str | None = None
    review_by: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RejectDecision(TrajectoryCommand):
    """Reject a surfaced implicit decision: it is reopened."""

    decision_id: str
    rejected_by: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class WithdrawDecision(TrajectoryCommand):
    """Withdraw a decision in force or a surfaced one."""

    decision_id: str
    withdrawn_by: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class MarkInformed(TrajectoryCommand):
    """Record that members holding an INFORMED right were told of a decision."""

    decision_id: str
    member_ids: tuple[str, ...]
    informed_at: datetime | None = None


# Frames and looking back


@dataclass(frozen=True, kw_only=True)
class ReframeDecision(TrajectoryCommand):
    """Replace a decision's link to one frame with a link to another frame in force."""

    decision_id: str
    from_frame_id: str
    to_frame_id: str
    reframed_by: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConfirmDecision(TrajectoryCommand):
    """Reconfirm a decision up for review or past its review date; `review_by` is the
    next review date, if any."""

    decision_id: str
    confirmed_by: tuple[str, ...]
    rationale: str | None = None
    review_by: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleReview(TrajectoryCommand):
    """Set or move the date by which a decision in force is to be looked at again."""

    decision_id: str
    review_by: datetime


@dataclass(frozen=True, kw_only=True)
class RecordOutcome(TrajectoryCommand):
    """Record what was observed after a decision, with a verdict on it."""

    decision_id: str
    outcome: str
    verdict: Verdict
    observed_at: datetime | None = None
    observed_by: tuple[str, ...] = ()
