"""The handlers: for each command type, the use case that carries it out on a trajectory.

A handler gets the trajectory (loaded, or in the same batch), the command and the
provenance (who records it, the idempotency key and the command's digest), calls one
command of the aggregate, and returns the id of what it made or changed. Found by the
command's type in `HANDLERS`; a test fails when a command type has none. Starting a
trajectory makes the aggregate instead: `start_trajectory`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import decisionlog.application.commands as c
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance

C = TypeVar("C", bound=c.TrajectoryCommand)
Handler = Callable[[Trajectory, Any, Provenance], str | None]

HANDLERS: dict[type[c.Command], Handler] = {}


def handles(command_type: type[C]) -> Callable[[Callable[[Trajectory, C, Provenance], str | None]],
                                               Callable[[Trajectory, C, Provenance], str | None]]:
    """Register the decorated function as the handler of `command_type`."""
    def register(handler: Callable[[Trajectory, C, Provenance], str | None]
                 ) -> Callable[[Trajectory, C, Provenance], str | None]:
        HANDLERS[command_type] = handler
        return handler
    return register


def start_trajectory(command: c.StartTrajectory, provenance: Provenance, *,
                     trajectory_id: UUID | None) -> Trajectory:
    """A new trajectory (not yet saved), with the id given or a random one."""
    return Trajectory.start(name=command.name, client=command.client,
                            description=command.description, provenance=provenance,
                            trajectory_id=trajectory_id)


@handles(c.CloseTrajectory)
def close_trajectory(t: Trajectory, command: c.CloseTrajectory, p: Provenance) -> None:
    t.close(reason=command.reason, provenance=p)


@handles(c.AddMember)
def add_member(t: Trajectory, command: c.AddMember, p: Provenance) -> str:
    return t.add_member(name=command.name, role=command.role, side=command.side,
                        membership=command.membership, provenance=p)


@handles(c.ChangeMember)
def change_member(t: Trajectory, command: c.ChangeMember, p: Provenance) -> str:
    return t.change_member(member_id=command.member_id, role=command.role,
                           membership=command.membership, provenance=p)


@handles(c.RemoveMember)
def remove_member(t: Trajectory, command: c.RemoveMember, p: Provenance) -> str:
    return t.remove_member(member_id=command.member_id, reason=command.reason, provenance=p)


@handles(c.DefineDomain)
def define_domain(t: Trajectory, command: c.DefineDomain, p: Provenance) -> str:
    return t.define_domain(name=command.name, description=command.description, provenance=p)


@handles(c.RetireDomain)
def retire_domain(t: Trajectory, command: c.RetireDomain, p: Provenance) -> str:
    return t.retire_domain(domain_id=command.domain_id, reason=command.reason, provenance=p)


@handles(c.GrantRight)
def grant_right(t: Trajectory, command: c.GrantRight, p: Provenance) -> str:
    return t.grant_right(domain_id=command.domain_id, member_id=command.member_id,
                         role=command.role, right=command.right, condition=command.condition,
                         effective_from=command.effective_from, phases=command.phases,
                         provenance=p)


@handles(c.RevokeRight)
def revoke_right(t: Trajectory, command: c.RevokeRight, p: Provenance) -> str:
    return t.revoke_right(right_id=command.right_id, reason=command.reason, provenance=p)


@handles(c.DefinePhase)
def define_phase(t: Trajectory, command: c.DefinePhase, p: Provenance) -> str:
    return t.define_phase(name=command.name, description=command.description,
                          order=command.order, provenance=p)


@handles(c.RetirePhase)
def retire_phase(t: Trajectory, command: c.RetirePhase, p: Provenance) -> str:
    return t.retire_phase(phase_id=command.phase_id, reason=command.reason, provenance=p)


@handles(c.StartPhase)
def start_phase(t: Trajectory, command: c.StartPhase, p: Provenance) -> str:
    return t.start_phase(phase_id=command.phase_id, started_at=command.started_at,
                         provenance=p)


@handles(c.RecordDecision)
def record_decision(t: Trajectory, command: c.RecordDecision, p: Provenance) -> str:
    return t.record_decision(
        domain_id=command.domain_id, title=command.title, statement=command.statement,
        decided_by=command.decided_by, rationale=command.rationale,
        options_considered=command.options_considered, consulted=command.consulted,
        scale=command.scale, kind=command.kind, decided_at=command.decided_at,
        supersedes=command.supersedes, within_frames=command.within_frames,
        review_by=command.review_by, provenance=p)


@handles(c.SurfaceImplicitDecision)
def surface_implicit_decision(t: Trajectory, command: c.SurfaceImplicitDecision,
                              p: Provenance) -> str:
    return t.surface_implicit_decision(
        domain_id=command.domain_id, title=command.title, statement=command.statement,
        surfaced_by=command.surfaced_by, since=command.since, evidence=command.evidence,
        scale=command.scale, kind=command.kind, within_frames=command.within_frames,
        provenance=p)


@handles(c.RatifyDecision)
def ratify_decision(t: Trajectory, command: c.RatifyDecision, p: Provenance) -> str:
    return t.ratify_decision(decision_id=command.decision_id, ratified_by=command.ratified_by,
                             rationale=command.rationale, review_by=command.review_by,
                             provenance=p)


@handles(c.RejectDecision)
def reject_decision(t: Trajectory, command: c.RejectDecision, p: Provenance) -> str:
    return t.reject_decision(decision_id=command.decision_id, rejected_by=command.rejected_by,
                             reason=command.reason, provenance=p)


@handles(c.WithdrawDecision)
def withdraw_decision(t: Trajectory, command: c.WithdrawDecision, p: Provenance) -> str:
    return t.withdraw_decision(decision_id=command.decision_id,
                               withdrawn_by=command.withdrawn_by, reason=command.reason,
                               provenance=p)


@handles(c.MarkInformed)
def mark_informed(t: Trajectory, command: c.MarkInformed, p: Provenance) -> str:
    return t.mark_informed(decision_id=command.decision_id, member_ids=command.member_ids,
                           informed_at=command.informed_at, provenance=p)


@handles(c.ReframeDecision)
def reframe_decision(t: Trajectory, command: c.ReframeDecision, p: Provenance) -> str:
    return t.reframe_decision(decision_id=command.decision_id,
                              from_frame_id=command.from_frame_id,
                              to_frame_id=command.to_frame_id,
                              reframed_by=command.reframed_by, reason=command.reason,
                              provenance=p)


@handles(c.ConfirmDecision)
def confirm_decision(t: Trajectory, command: c.ConfirmDecision, p: Provenance) -> str:
    return t.confirm_decision(decision_id=command.decision_id,
                              confirmed_by=command.confirmed_by, rationale=command.rationale,
                              review_by=command.review_by, provenance=p)


@handles(c.ScheduleReview)
def schedule_review(t: Trajectory, command: c.ScheduleReview, p: Provenance) -> str:
    return t.schedule_review(decision_id=command.decision_id, review_by=command.review_by,
                             provenance=p)


@handles(c.RecordOutcome)
def record_outcome(t: Trajectory, command: c.RecordOutcome, p: Provenance) -> str:
    return t.record_outcome(decision_id=command.decision_id, outcome=command.outcome,
                            verdict=command.verdict, observed_at=command.observed_at,
                            observed_by=command.observed_by, provenance=p)
