"""Mutation inputs. Every one but startTrajectory's names its trajectory, and each may
carry an expected version and an idempotency key. Each is built from its GraphQL value
by `build_directly` (their fields are scalars, enums and lists of them)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from decisionlog.api.enums import DecisionKind, Membership, RightKind, Scale, Side, Verdict
from decisionlog.api.inputbuild import build_directly
from decisionlog.domain.values import MAX_KEY_LENGTH

KEY_DESCRIPTION = (f"A repeat with the same key (at most {MAX_KEY_LENGTH} characters) "
                   "returns the first result.")
WITHIN_FRAMES_DESCRIPTION = ("The frames (decisions of kind FRAME, in force) that bound "
                             "this decision.")


@build_directly
@strawberry.input
class StartTrajectoryInput:
    name: str
    client: str | None = None
    description: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_DESCRIPTION)


@build_directly
@strawberry.input
class TrajectoryCommandInput:
    """The fields every command on an existing trajectory takes."""

    trajectory_id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Reject the change if the trajectory is not at this version.")
    idempotency_key: str | None = strawberry.field(
        default=None, description=KEY_DESCRIPTION)


@build_directly
@strawberry.input
class CloseTrajectoryInput(TrajectoryCommandInput):
    reason: str | None = None


@build_directly
@strawberry.input
class AddMemberInput(TrajectoryCommandInput):
    name: str
    role: str
    side: Side
    membership: Membership = Membership.CORE


@build_directly
@strawberry.input
class ChangeMemberInput(TrajectoryCommandInput):
    member_id: strawberry.ID
    role: str | None = None
    membership: Membership | None = None


@build_directly
@strawberry.input
class RemoveMemberInput(TrajectoryCommandInput):
    member_id: strawberry.ID
    reason: str | None = None


@build_directly
@strawberry.input
class DefineDomainInput(TrajectoryCommandInput):
    name: str
    description: str | None = None


@build_directly
@strawberry.input
class RetireDomainInput(TrajectoryCommandInput):
    domain_id: strawberry.ID
    reason: str | None = None


@build_directly
@strawberry.input
class GrantRightInput(TrajectoryCommandInput):
    domain_id: strawberry.ID
    right: RightKind
    member_id: strawberry.ID | None = None
    role: str | None = None
    condition: str | None = None
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the right takes effect; default: when granted.")
    phases: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The phases it holds in; none: every phase.")


@build_directly
@strawberry.input
class RevokeRightInput(TrajectoryCommandInput):
    right_id: strawberry.ID
    reason: str | None = None


@build_directly
@strawberry.input
class DefinePhaseInput(TrajectoryCommandInput):
    name: str
    description: str | None = None
    order: int | None = strawberry.field(
        default=None, description="Its place among the phases; default: after the last.")


@build_directly
@strawberry.input
class RetirePhaseInput(TrajectoryCommandInput):
    phase_id: strawberry.ID
    reason: str | None = None


@build_directly
@strawberry.input
class StartPhaseInput(TrajectoryCommandInput):
    phase_id: strawberry.ID
    started_at: datetime | None = strawberry.field(
        default=None, description="When it became the current phase; default: now. Not "
                                  "before the trajectory started, not in the future.")


@build_directly
@strawberry.input
class RecordDecisionInput(TrajectoryCommandInput):
    domain_id: strawberry.ID
    title: str
    statement: str
    decided_by: list[strawberry.ID]
    rationale: str | None = None
    options_considered: list[str] | None = None
    consulted: list[strawberry.ID] | None = None
    scale: Scale = Scale.SMALL
    kind: DecisionKind = DecisionKind.DECISION
    decided_at: datetime | None = strawberry.field(
        default=None, description="When it was decided; default: when recorded.")
    supersedes: list[strawberry.ID] | None = None
    within_frames: list[strawberry.ID] | None = strawberry.field(
        default=None, description=WITHIN_FRAMES_DESCRIPTION)
    review_by: datetime | None = strawberry.field(
        default=None, description="When to look at it again (not before decidedAt).")


@build_directly
@strawberry.input
class SurfaceImplicitDecisionInput(TrajectoryCommandInput):
    domain_id: strawberry.ID
    title: str
    statement: str
    surfaced_by: strawberry.ID
    since: datetime | None = strawberry.field(
        default=None, description="When it probably began.")
    evidence: str | None = None
    scale: Scale = Scale.SMALL
    kind: DecisionKind = DecisionKind.DECISION
    within_frames: list[strawberry.ID] | None = strawberry.field(
        default=None, description=WITHIN_FRAMES_DESCRIPTION)


@build_directly
@strawberry.input
class RatifyDecisionInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    ratified_by: list[strawberry.ID]
    rationale: str | None = None
    review_by: datetime | None = strawberry.field(
        default=None, description="When to look at it again.")


@build_directly
@strawberry.input
class RejectDecisionInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    rejected_by: list[strawberry.ID]
    reason: str | None = None


@build_directly
@strawberry.input
class WithdrawDecisionInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    withdrawn_by: list[strawberry.ID]
    reason: str | None = None


@build_directly
@strawberry.input
class MarkInformedInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    member_ids: list[strawberry.ID]
    informed_at: datetime | None = strawberry.field(
        default=None, description="When they were told; default: now.")


@build_directly
@strawberry.input
class ReframeDecisionInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    from_frame_id: strawberry.ID = strawberry.field(
        description="The frame it lies within now (typically one that changed).")
    to_frame_id: strawberry.ID = strawberry.field(
        description="The frame in force it lies within instead (the new frame).")
    reframed_by: list[strawberry.ID]
    reason: str | None = None


@build_directly
@strawberry.input
class ConfirmDecisionInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    confirmed_by: list[strawberry.ID]
    rationale: str | None = None
    review_by: datetime | None = strawberry.field(
        default=None, description="The next review date, if any (after now).")


@build_directly
@strawberry.input
class ScheduleReviewInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    review_by: datetime = strawberry.field(
        description="When to look at it again (not before decidedAt).")


@build_directly
@strawberry.input
class RecordOutcomeInput(TrajectoryCommandInput):
    decision_id: strawberry.ID
    outcome: str = strawberry.field(description="What happened after the decision.")
    verdict: Verdict
    observed_at: datetime | None = strawberry.field(
        default=None, description="When it was observed; default: now.")
    observed_by: list[strawberry.ID] | None = None
