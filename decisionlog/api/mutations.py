"""Mutations: each calls one command of the application and maps the result.

Commands on a trajectory go through the server's `GroupCommit` (`groupcommit.py`), which
stores the ones that arrive together in one transaction; without one (a schema executed
directly) each runs on its own.

Expected failures come back as typed error results and write nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from decisionlog.api import inputs as i
from decisionlog.api.context import Info
from decisionlog.api.errors import ErrorResult, error_result
from decisionlog.api.payloads import (
    DecisionPayload,
    DecisionResult,
    DomainPayload,
    DomainResult,
    MemberPayload,
    MemberResult,
    RightPayload,
    RightResult,
    TrajectoryPayload,
    TrajectoryResult,
)
from decisionlog.api.permissions import write_denied
from decisionlog.api.types import Decision, DecisionDomain, DecisionRight, Member, trajectory_type
from decisionlog.application.requests import Command, CommandRequest, CommandResult
from decisionlog.domain.errors import DecisionLogError
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate
from decisionlog.domain.values import Provenance

P = TypeVar("P")
COMMON_FIELDS = frozenset({"trajectory_id", "expected_version", "idempotency_key"})


def _inputs(data: Any) -> dict[str, Any]:
    """The command's own inputs, for recognising a repeated idempotency key."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)
            if f.name not in COMMON_FIELDS}


async def _execute(info: Info, name: str, data: i.TrajectoryCommandInput, command: Command,
                   payload: Callable[[TrajectoryAggregate, CommandResult], P]
                   ) -> P | ErrorResult:
    denied = write_denied(info, data.trajectory_id)
    if denied is not None:
        return denied
    request = CommandRequest(
        data.trajectory_id, command, info.context.principal.name, name, _inputs(data),
        data.expected_version, data.idempotency_key)
    writes = info.context.writes
    try:
        result = (await writes.execute(request) if writes is not None
                  else info.context.app.execute_request(request))
    except DecisionLogError as error:
        return error_result(error)
    assert result.trajectory is not None
    return payload(result.trajectory, result)


def _trajectory(t: TrajectoryAggregate, r: CommandResult) -> TrajectoryPayload:
    return TrajectoryPayload(trajectory=trajectory_type(t), version=r.version)


def _member(t: TrajectoryAggregate, r: CommandResult) -> MemberPayload:
    return MemberPayload(trajectory=trajectory_type(t), version=r.version,
                         member=Member.of(t.members[r.result_id or ""]))


def _domain(t: TrajectoryAggregate, r: CommandResult) -> DomainPayload:
    return DomainPayload(trajectory=trajectory_type(t), version=r.version,
                         domain=DecisionDomain.of(t.domains[r.result_id or ""]))


def _right(t: TrajectoryAggregate, r: CommandResult) -> RightPayload:
    return RightPayload(trajectory=trajectory_type(t), version=r.version,
                        right=DecisionRight.of(t, t.rights[r.result_id or ""]))


def _decision(t: TrajectoryAggregate, r: CommandResult) -> DecisionPayload:
    return DecisionPayload(trajectory=trajectory_type(t), version=r.version,
                           decision=Decision.of(t, t.decisions[r.result_id or ""]))


@strawberry.type
class Mutation:
    """Every change to a trajectory; each appends exactly one event."""

    @strawberry.mutation
    def start_trajectory(self, info: Info, input: i.StartTrajectoryInput) -> TrajectoryResult:
        denied = write_denied(info, None)
        if denied is not None:
            return denied
        app = info.context.app
        try:
            result = app.start_trajectory(
                name=input.name, client=input.client, description=input.description,
                recorded_by=info.context.principal.name, idempotency_key=input.idempotency_key,
            )
        except DecisionLogError as error:
            return error_result(error)
        assert result.trajectory is not None
        return _trajectory(result.trajectory, result)

    @strawberry.mutation
    async def close_trajectory(self, info: Info, input: i.CloseTrajectoryInput
                               ) -> TrajectoryResult:
        def command(t: TrajectoryAggregate, p: Provenance) -> None:
            t.close(reason=input.reason, provenance=p)
        return await _execute(info, "closeTrajectory", input, command, _trajectory)

    @strawberry.mutation
    async def add_member(self, info: Info, input: i.AddMemberInput) -> MemberResult:
        return await _execute(info, "addMember", input, lambda t, p: t.add_member(
            name=input.name, role=input.role, side=input.side, membership=input.membership,
            provenance=p), _member)

    @strawberry.mutation
    async def change_member(self, info: Info, input: i.ChangeMemberInput) -> MemberResult:
        return await _execute(info, "changeMember", input, lambda t, p: t.change_member(
            member_id=input.member_id, role=input.role, membership=input.membership,
            provenance=p), _member)

    @strawberry.mutation
    async def remove_member(self, info: Info, input: i.RemoveMemberInput) -> MemberResult:
        return await _execute(info, "removeMember", input, lambda t, p: t.remove_member(
            member_id=input.member_id, reason=input.reason, provenance=p), _member)

    @strawberry.mutation
    async def define_domain(self, info: Info, input: i.DefineDomainInput) -> DomainResult:
        return await _execute(info, "defineDomain", input, lambda t, p: t.define_domain(
            name=input.name, description=input.description, provenance=p), _domain)

    @strawberry.mutation
    async def retire_domain(self, info: Info, input: i.RetireDomainInput) -> DomainResult:
        return await _execute(info, "retireDomain", input, lambda t, p: t.retire_domain(
            domain_id=input.domain_id, reason=input.reason, provenance=p), _domain)

    @strawberry.mutation
    async def grant_right(self, info: Info, input: i.GrantRightInput) -> RightResult:
        return await _execute(info, "grantRight", input, lambda t, p: t.grant_right(
            domain_id=input.domain_id, member_id=input.member_id, role=input.role,
            right=input.right, condition=input.condition,
            effective_from=input.effective_from, provenance=p), _right)

    @strawberry.mutation
    async def revoke_right(self, info: Info, input: i.RevokeRightInput) -> RightResult:
        return await _execute(info, "revokeRight", input, lambda t, p: t.revoke_right(
            right_id=input.right_id, reason=input.reason, provenance=p), _right)

    @strawberry.mutation
    async def record_decision(self, info: Info, input: i.RecordDecisionInput) -> DecisionResult:
        return await _execute(info, "recordDecision", input, lambda t, p: t.record_decision(
            domain_id=input.domain_id, title=input.title, statement=input.statement,
            decided_by=input.decided_by, rationale=input.rationale,
            options_considered=input.options_considered, consulted=input.consulted,
            scale=input.scale, kind=input.kind, decided_at=input.decided_at,
            supersedes=input.supersedes, provenance=p), _decision)

    @strawberry.mutation
    async def surface_implicit_decision(
        self, info: Info, input: i.SurfaceImplicitDecisionInput,
    ) -> DecisionResult:
        return await _execute(info, "surfaceImplicitDecision", input,
                        lambda t, p: t.surface_implicit_decision(
            domain_id=input.domain_id, title=input.title, statement=input.statement,
            surfaced_by=input.surfaced_by, since=input.since, evidence=input.evidence,
            scale=input.scale, kind=input.kind, provenance=p), _decision)

    @strawberry.mutation
    async def ratify_decision(self, info: Info, input: i.RatifyDecisionInput) -> DecisionResult:
        return await _execute(info, "ratifyDecision", input, lambda t, p: t.ratify_decision(
            decision_id=input.decision_id, ratified_by=input.ratified_by,
            rationale=input.rationale, provenance=p), _decision)

    @strawberry.mutation
    async def reject_decision(self, info: Info, input: i.RejectDecisionInput) -> DecisionResult:
        return await _execute(info, "rejectDecision", input, lambda t, p: t.reject_decision(
            decision_id=input.decision_id, rejected_by=input.rejected_by,
            reason=input.reason, provenance=p), _decision)

    @strawberry.mutation
    async def withdraw_decision(self, info: Info, input: i.WithdrawDecisionInput
                                ) -> DecisionResult:
        return await _execute(info, "withdrawDecision", input, lambda t, p: t.withdraw_decision(
            decision_id=input.decision_id, withdrawn_by=input.withdrawn_by,
            reason=input.reason, provenance=p), _decision)
