"""Mutation results: a success payload or one of the typed errors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from decisionlog.api.errors import ErrorResult
from decisionlog.api.types import Decision, DecisionDomain, DecisionRight, Member, Trajectory


@strawberry.type
class TrajectoryPayload:
    """The trajectory once the change is stored, and the version the change made.

    `trajectory` includes the change and may include later ones (stored with it in the
    same transaction, or by other clients before the answer); `version` is the change's
    own (for a repeated idempotency key, the first change's).
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


TrajectoryResult = Annotated[TrajectoryPayload | ErrorResult, strawberry.union("TrajectoryResult")]
MemberResult = Annotated[MemberPayload | ErrorResult, strawberry.union("MemberResult")]
DomainResult = Annotated[DomainPayload | ErrorResult, strawberry.union("DomainResult")]
RightResult = Annotated[RightPayload | ErrorResult, strawberry.union("RightResult")]
DecisionResult = Annotated[DecisionPayload | ErrorResult, strawberry.union("DecisionResult")]
