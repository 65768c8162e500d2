"""Mutation results: a success payload or one of the typed errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from decisionlog.api.errors import ErrorResult
from decisionlog.api.phase_types import Phase
from decisionlog.api.review_types import Outcome
from decisionlog.api.types import (
    Decision,
    DecisionDomain,
    DecisionRight,
    Member,
    Trajectory,
    trajectory_type,
)

if TYPE_CHECKING:
    from decisionlog.application import CommandResult
    from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate


@strawberry.type
class TrajectoryPayload:
    """The trajectory right after the change, and the version the change made.

    `trajectory` is the state right after this change's own event, whatever was stored
    after it (in the same transaction, or by other clients before the answer); `version`
    is the change's own. For a repeated idempotency key, both are the first change's.
    """

    trajectory: Trajectory
    version: int


@strawberry.type
class MemberPayload(TrajectoryPayload):
    member: Member


@strawberry.type
class DomainPayload(TrajectoryPayload):
    domain: DecisionDomain


@strawberry.type
class RightPayload(TrajectoryPayload):
    right: DecisionRight


@strawberry.type
class DecisionPayload(TrajectoryPayload):
    decision: Decision


@strawberry.type
class PhasePayload(TrajectoryPayload):
    phase: Phase


@strawberry.type
class OutcomePayload(DecisionPayload):
    outcome: Outcome


TrajectoryResult = Annotated[TrajectoryPayload | ErrorResult, strawberry.union("TrajectoryResult")]
MemberResult = Annotated[MemberPayload | ErrorResult, strawberry.union("MemberResult")]
DomainResult = Annotated[DomainPayload | ErrorResult, strawberry.union("DomainResult")]
RightResult = Annotated[RightPayload | ErrorResult, strawberry.union("RightResult")]
DecisionResult = Annotated[DecisionPayload | ErrorResult, strawberry.union("DecisionResult")]
OutcomeResult = Annotated[OutcomePayload | ErrorResult, strawberry.union("OutcomeResult")]
PhaseResult = Annotated[PhasePayload | ErrorResult, strawberry.union("PhaseResult")]


def trajectory_payload(t: TrajectoryAggregate, r: CommandResult) -> TrajectoryPayload:
    return TrajectoryPayload(trajectory=trajectory_type(t), version=r.version)


def member_payload(t: TrajectoryAggregate, r: CommandResult) -> MemberPayload:
    return MemberPayload(trajectory=trajectory_type(t), version=r.version,
                         member=Member.of(t.members[r.result_id or ""]))


def domain_payload(t: TrajectoryAggregate, r: CommandResult) -> DomainPayload:
    return DomainPayload(trajectory=trajectory_type(t), version=r.version,
                         domain=DecisionDomain.of(t.domains[r.result_id or ""]))


def right_payload(t: TrajectoryAggregate, r: CommandResult) -> RightPayload:
    return RightPayload(trajectory=trajectory_type(t), version=r.version,
                        right=DecisionRight.of(t, t.rights[r.result_id or ""]))


def decision_payload(t: TrajectoryAggregate, r: CommandResult) -> DecisionPayload:
    return DecisionPayload(trajectory=trajectory_type(t), version=r.version,
                           decision=Decision.of(t, t.decisions[r.result_id or ""]))


def phase_payload(t: TrajectoryAggregate, r: CommandResult) -> PhasePayload:
    return PhasePayload(trajectory=trajectory_type(t), version=r.version,
                        phase=Phase.of(t, t.phases[r.result_id or ""]))


def outcome_payload(t: TrajectoryAggregate, r: CommandResult) -> OutcomePayload:
    decision, outcome = next((d, o) for d in t.decisions.values() for o in d.outcomes
                             if o.id == r.result_id)
    return OutcomePayload(trajectory=trajectory_type(t), version=r.version,
                          decision=Decision.of(t, decision), outcome=Outcome.of(t, outcome))
