"""Mutations: each maps its input to a command, has the application handle it, and maps
the result to its payload or a typed error.

Commands go through the server's `GroupCommit` (`groupcommit.py`), which stores the
ones that arrive together in one transaction; without one (a schema executed directly)
each is handled on its own. Expected failures come back as typed error results and
write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry

from decisionlog.api import inputs as i
from decisionlog.api import payloads as p
from decisionlog.api.context import Info
from decisionlog.api.errors import ErrorResult, error_result
from decisionlog.api.permissions import write_denied
from decisionlog.application import CommandRequest, CommandResult
from decisionlog.application import commands as c
from decisionlog.domain.errors import DecisionLogError
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate
from decisionlog.operations.commands import command_answered

P = TypeVar("P")


async def _handle(info: Info, command: c.Command, *, idempotency_key: str | None,
                  expected_version: int | None = None,
                  payload: Callable[[TrajectoryAggregate, CommandResult], P]
                  ) -> P | ErrorResult:
    """Handle the command for the caller; its payload, or the typed error."""
    trajectory_id = command.trajectory_id if isinstance(command, c.TrajectoryCommand) else None
    app, writes = info.context.app, info.context.writes
    denied = write_denied(info, trajectory_id)
    if denied is not None:
        return command_answered(app.observer, command, trajectory_id, denied)
    request = CommandRequest(command, info.context.principal.name, expected_version,
                             idempotency_key)
    try:
        with app.observer.span(f"decisionlog.command {type(command).__name__}"):
            result = (await writes.execute(request) if writes is not None
                      else app.handle_request(request))
    except DecisionLogError as error:
        return command_answered(app.observer, command, trajectory_id, error_result(error))
    command_answered(app.observer, command, str(result.trajectory_id), result)
    return payload(app.trajectory_after(result), result)


@strawberry.type
class Mutation:
    """Every change to a trajectory; each appends exactly one event."""

    @strawberry.mutation
    async def start_trajectory(self, info: Info, input: i.StartTrajectoryInput
                               ) -> p.TrajectoryResult:
        return await _handle(info, c.StartTrajectory(
            name=input.name, client=input.client, description=input.description),
            idempotency_key=input.idempotency_key, payload=p.trajectory_payload)

    @strawberry.mutation
    async def close_trajectory(self, info: Info, input: i.CloseTrajectoryInput
                               ) -> p.TrajectoryResult:
        return await _handle(info, c.CloseTrajectory(
            trajectory_id=input.trajectory_id, reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.trajectory_payload)

    @strawberry.mutation
    async def add_member(self, info: Info, input: i.AddMemberInput) -> p.MemberResult:
        return await _handle(info, c.AddMember(
            trajectory_id=input.trajectory_id, name=input.name, role=input.role,
            side=input.side, membership=input.membership),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.member_payload)

    @strawberry.mutation
    async def change_member(self, info: Info, input: i.ChangeMemberInput) -> p.MemberResult:
        return await _handle(info, c.ChangeMember(
            trajectory_id=input.trajectory_id, member_id=input.member_id, role=input.role,
            membership=input.membership),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.member_payload)

    @strawberry.mutation
    async def remove_member(self, info: Info, input: i.RemoveMemberInput) -> p.MemberResult:
        return await _handle(info, c.RemoveMember(
            trajectory_id=input.trajectory_id, member_id=input.member_id, reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.member_payload)

    @strawberry.mutation
    async def define_domain(self, info: Info, input: i.DefineDomainInput) -> p.DomainResult:
        return await _handle(info, c.DefineDomain(
            trajectory_id=input.trajectory_id, name=input.name, description=input.description),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.domain_payload)

    @strawberry.mutation
    async def retire_domain(self, info: Info, input: i.RetireDomainInput) -> p.DomainResult:
        return await _handle(info, c.RetireDomain(
            trajectory_id=input.trajectory_id, domain_id=input.domain_id, reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.domain_payload)

    @strawberry.mutation
    async def grant_right(self, info: Info, input: i.GrantRightInput) -> p.RightResult:
        return await _handle(info, c.GrantRight(
            trajectory_id=input.trajectory_id, domain_id=input.domain_id, right=input.right,
            member_id=input.member_id, role=input.role, condition=input.condition,
            effective_from=input.effective_from, phases=tuple(input.phases or ())),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.right_payload)

    @strawberry.mutation
    async def revoke_right(self, info: Info, input: i.RevokeRightInput) -> p.RightResult:
        return await _handle(info, c.RevokeRight(
            trajectory_id=input.trajectory_id, right_id=input.right_id, reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.right_payload)

    @strawberry.mutation
    async def define_phase(self, info: Info, input: i.DefinePhaseInput) -> p.PhaseResult:
        return await _handle(info, c.DefinePhase(
            trajectory_id=input.trajectory_id, name=input.name, description=input.description,
            order=input.order),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.phase_payload)

    @strawberry.mutation
    async def retire_phase(self, info: Info, input: i.RetirePhaseInput) -> p.PhaseResult:
        return await _handle(info, c.RetirePhase(
            trajectory_id=input.trajectory_id, phase_id=input.phase_id, reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.phase_payload)

    @strawberry.mutation
    async def start_phase(self, info: Info, input: i.StartPhaseInput) -> p.PhaseResult:
        return await _handle(info, c.StartPhase(
            trajectory_id=input.trajectory_id, phase_id=input.phase_id,
            started_at=input.started_at),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.phase_payload)

    @strawberry.mutation
    async def record_decision(self, info: Info, input: i.RecordDecisionInput
                              ) -> p.DecisionResult:
        return await _handle(info, c.RecordDecision(
            trajectory_id=input.trajectory_id, domain_id=input.domain_id, title=input.title,
            statement=input.statement, decided_by=tuple(input.decided_by),
            rationale=input.rationale, options_considered=tuple(input.options_considered or ()),
            consulted=tuple(input.consulted or ()), scale=input.scale, kind=input.kind,
            decided_at=input.decided_at, supersedes=tuple(input.supersedes or ()),
            within_frames=tuple(input.within_frames or ()), review_by=input.review_by),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation
    async def surface_implicit_decision(self, info: Info, input: i.SurfaceImplicitDecisionInput
                                        ) -> p.DecisionResult:
        return await _handle(info, c.SurfaceImplicitDecision(
            trajectory_id=input.trajectory_id, domain_id=input.domain_id, title=input.title,
            statement=input.statement, surfaced_by=input.surfaced_by, since=input.since,
            evidence=input.evidence, scale=input.scale, kind=input.kind,
            within_frames=tuple(input.within_frames or ())),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation
    async def ratify_decision(self, info: Info, input: i.RatifyDecisionInput
                              ) -> p.DecisionResult:
        return await _handle(info, c.RatifyDecision(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            ratified_by=tuple(input.ratified_by), rationale=input.rationale,
            review_by=input.review_by),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation
    async def reject_decision(self, info: Info, input: i.RejectDecisionInput
                              ) -> p.DecisionResult:
        return await _handle(info, c.RejectDecision(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            rejected_by=tuple(input.rejected_by), reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation
    async def withdraw_decision(self, info: Info, input: i.WithdrawDecisionInput
                                ) -> p.DecisionResult:
        return await _handle(info, c.WithdrawDecision(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            withdrawn_by=tuple(input.withdrawn_by), reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation
    async def mark_informed(self, info: Info, input: i.MarkInformedInput) -> p.DecisionResult:
        return await _handle(info, c.MarkInformed(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            member_ids=tuple(input.member_ids), informed_at=input.informed_at),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    # Frames and looking back

    @strawberry.mutation(description=(
        "Replace a decision's link to one frame with a link to another frame in force "
        "(the new frame after a redesign): it leaves the review queue for that reason."))
    async def reframe_decision(self, info: Info, input: i.ReframeDecisionInput
                               ) -> p.DecisionResult:
        return await _handle(info, c.ReframeDecision(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            from_frame_id=input.from_frame_id, to_frame_id=input.to_frame_id,
            reframed_by=tuple(input.reframed_by), reason=input.reason),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation(description=(
        "Reconfirm a decision up for review or past its reviewBy: it stands as it is and "
        "leaves the review queue; reviewBy sets the next review date (else none)."))
    async def confirm_decision(self, info: Info, input: i.ConfirmDecisionInput
                               ) -> p.DecisionResult:
        return await _handle(info, c.ConfirmDecision(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            confirmed_by=tuple(input.confirmed_by), rationale=input.rationale,
            review_by=input.review_by),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation(description="Set or move the review date of a decision in force.")
    async def schedule_review(self, info: Info, input: i.ScheduleReviewInput
                              ) -> p.DecisionResult:
        return await _handle(info, c.ScheduleReview(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            review_by=input.review_by),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.decision_payload)

    @strawberry.mutation(description=(
        "Record what was observed after a decision, with a verdict; the decision is not "
        "changed. ADJUST or REVERSE puts a decision in force up for review."))
    async def record_outcome(self, info: Info, input: i.RecordOutcomeInput
                             ) -> p.OutcomeResult:
        return await _handle(info, c.RecordOutcome(
            trajectory_id=input.trajectory_id, decision_id=input.decision_id,
            outcome=input.outcome, verdict=input.verdict, observed_at=input.observed_at,
            observed_by=tuple(input.observed_by or ())),
            idempotency_key=input.idempotency_key, expected_version=input.expected_version,
            payload=p.outcome_payload)
