"""GraphQL types of the lists across trajectories, built from read-model rows.

Rows come from `decisionlog.readmodels` without loading aggregates. A `Trajectory` node
in these lists is backed by a `TrajectoryStandIn`: the fields a row knows are answered
from it; any other field loads the aggregate then, as of the row's version, so one
node never mixes two states.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from decisionlog.api.context import Info
from decisionlog.api.enums import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    ReviewReasonKind,
    RightKind,
    Scale,
)
from decisionlog.api.types import Decision, Trajectory, trajectory_type
from decisionlog.domain.reviews import reason_text
from decisionlog.readmodels import (
    DecisionOrder,
    DecisionRow,
    MandateRow,
    ReviewReasonRow,
    TrajectoryRow,
)

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate

strawberry.enum(DecisionOrder, description="The order of the root decision list: by "
                                           "decidedAt (when recorded, if it has none).")


class TrajectoryStandIn:
    """Stands in for a trajectory aggregate: what a read-model row knows, without
    loading; anything else from the aggregate, loaded on first need (as of `version`
    when given, so that it agrees with the row)."""

    def __init__(self, app: DecisionLog, trajectory_id: str, *, version: int | None = None,
                 **known: Any) -> None:
        self._app = app
        self._version = version
        self._loaded: TrajectoryAggregate | None = None
        self.id = UUID(trajectory_id)
        if version is not None:
            self.version = version
        for name, value in known.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe for these
            raise AttributeError(name)
        return getattr(self._aggregate(), name)

    def _aggregate(self) -> TrajectoryAggregate:
        if self._loaded is None:
            aggregate = self._app.get_trajectory(self.id)
            if aggregate is not None and self._version is not None \
                    and aggregate.version != self._version:  # written since the row was read
                aggregate = self._app.get_trajectory(self.id, version=self._version)
            if aggregate is None:
                raise LookupError(f"Trajectory {self.id} is in the read models but not "
                                  "in the event store.")
            self._loaded = aggregate
        return self._loaded


def trajectory_node(app: DecisionLog, row: TrajectoryRow) -> Trajectory:
    """A `Trajectory` node for a row of the trajectory list."""
    return lazy_trajectory(
        app, row.id, version=row.version, name=row.name, client=row.client,
        description=row.description, status=row.status, created_on=row.started_at,
        modified_on=row.updated_at)


def lazy_trajectory(app: DecisionLog, trajectory_id: str, *, version: int | None = None,
                    **known: Any) -> Trajectory:
    """A `Trajectory` node (now, or as of `version`) of which only `known` fields are
    answered unloaded."""
    return trajectory_type(cast("TrajectoryAggregate", TrajectoryStandIn(
        app, trajectory_id, version=version, **known)))


def selects(info: Info, name: str) -> bool:
    """Whether the query selects `name` right under the field being resolved (directly
    or through fragments): to compute a total only when it is asked for."""
    def found(selections: list[SelectedField | FragmentSpread | InlineFragment]) -> bool:
        for selection in selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return True
            elif found(selection.selections):
                return True
        return False
    return any(found(field.selections) for field in info.selected_fields)


@strawberry.type(description="A domain as the lists across trajectories name it.")
class DomainRef:
    id: strawberry.ID
    name: str


@strawberry.type(description="A member named by a list across trajectories.")
class MemberRef:
    id: strawberry.ID
    name: str


@strawberry.type(description="A phase named by a list across trajectories.")
class PhaseRef:
    id: strawberry.ID
    name: str


@strawberry.type(description="A decision named by a list across trajectories.")
class DecisionRef:
    id: strawberry.ID
    title: str


@strawberry.type(description="An open reason for review, in a list across trajectories.")
class ReviewReasonSummary:
    kind: ReviewReasonKind
    reason: str = strawberry.field(description="The reason in words.")
    version: int = strawberry.field(description="The trajectory's event that opened it.")
    opened_at: datetime
    frame: DecisionRef | None = strawberry.field(
        description="The frame that was superseded or withdrawn.")
    through_frame: DecisionRef | None = strawberry.field(
        description="The frame the decision lies within that led to it.")
    superseded_by: DecisionRef | None = strawberry.field(
        description="The decision that superseded the frame.")
    outcome_id: strawberry.ID | None

    @classmethod
    def of(cls, row: ReviewReasonRow) -> ReviewReasonSummary:
        outcome = row.frame_id is None
        return cls(
            kind=row.kind, version=row.version, opened_at=row.opened_at,
            reason=reason_text(row.kind, frame=row.frame_title, through=row.through_title,
                               superseded_by=row.cause_title),
            frame=_ref(row.frame_id, row.frame_title),
            through_frame=_ref(row.through_id, row.through_title),
            superseded_by=None if outcome else _ref(row.cause_id, row.cause_title),
            outcome_id=strawberry.ID(row.cause_id) if outcome and row.cause_id else None)


def _ref(decision_id: str | None, title: str | None) -> DecisionRef | None:
    if decision_id is None:
        return None
    return DecisionRef(id=strawberry.ID(decision_id), title=title or decision_id)


@strawberry.type(description=(
    "A decision in a list across trajectories, served from the read models. `decision` "
    "gives the full decision (withinMandate, options, members) from its trajectory."))
class DecisionSummary:
    _row: strawberry.Private[DecisionRow]
    id: strawberry.ID
    trajectory_id: strawberry.ID
    title: str
    statement: str
    rationale: str | None
    domain: DomainRef
    kind: DecisionKind
    origin: DecisionOrigin
    status: DecisionStatus
    scale: Scale
    decided_by: list[MemberRef] = strawberry.field(
        description="Who decided it; for a ratified implicit decision, who ratified it.")
    consulted: list[MemberRef]
    decided_at: datetime | None
    recorded_at: datetime
    since: datetime | None = strawberry.field(
        description="For an implicit decision: when it probably began.")
    surfaced_by_id: strawberry.ID | None
    evidence: str | None
    ratified_at: datetime | None
    closed_at: datetime | None = strawberry.field(
        description="When it was rejected or withdrawn.")
    closed_reason: str | None
    supersedes_ids: list[strawberry.ID]
    superseded_by_ids: list[strawberry.ID]
    phase: PhaseRef | None = strawberry.field(
        description="The phase current when it was taken; null before any phase started.")
    not_consulted_count: int = strawberry.field(description=(
        "How many who had to be heard were not (see Decision.notConsulted)."))
    review_by: datetime | None = strawberry.field(
        description="The date by which to look at it again, if any.")
    up_for_review: bool = strawberry.field(
        description="On its trajectory's review queue: in force, with a reason open.")
    review_reasons: list[ReviewReasonSummary] = strawberry.field(
        description="Why it is up for review: its open reasons, oldest first.")

    @classmethod
    def of(cls, row: DecisionRow) -> DecisionSummary:
        return cls(
            _row=row, id=strawberry.ID(row.id), trajectory_id=strawberry.ID(row.trajectory_id),
            title=row.title, statement=row.statement, rationale=row.rationale,
            domain=DomainRef(id=strawberry.ID(row.domain_id), name=row.domain_name),
            kind=row.kind, origin=row.origin, status=row.status, scale=row.scale,
            decided_by=[MemberRef(id=strawberry.ID(m.id), name=m.name) for m in row.decided_by],
            consulted=[MemberRef(id=strawberry.ID(m.id), name=m.name) for m in row.consulted],
            decided_at=row.decided_at, recorded_at=row.recorded_at, since=row.since,
            surfaced_by_id=None if row.surfaced_by is None else strawberry.ID(row.surfaced_by),
            evidence=row.evidence, ratified_at=row.ratified_at, closed_at=row.closed_at,
            closed_reason=row.closed_reason,
            supersedes_ids=[strawberry.ID(i) for i in row.supersedes],
            superseded_by_ids=[strawberry.ID(i) for i in row.superseded_by],
            phase=None if row.phase_id is None else PhaseRef(
                id=strawberry.ID(row.phase_id), name=row.phase_name or ""),
            not_consulted_count=row.not_consulted,
            review_by=row.review_by, up_for_review=row.up_for_review,
            review_reasons=[ReviewReasonSummary.of(r) for r in row.review_reasons],
        )

    @strawberry.field(description="Its trajectory, now (loaded only for fields other "
                                  "than id).")
    def trajectory(self, info: Info) -> Trajectory:
        return lazy_trajectory(info.context.app, self._row.trajectory_id)

    @strawberry.field(description="The decision as its trajectory holds it now (loads the "
                                  "trajectory).")
    def decision(self, info: Info) -> Decision | None:
        aggregate = info.context.app.get_trajectory(self._row.trajectory_id)
        if aggregate is None:
            return None
        found = aggregate.decisions.get(self._row.id)
        return None if found is None else Decision.of(aggregate, found)


@strawberry.type(description=(
    "A right a person holds now in one trajectory, directly or through their role, on an "
    "active domain."))
class Mandate:
    _row: strawberry.Private[MandateRow]
    right_id: strawberry.ID
    right: RightKind
    domain: DomainRef
    condition: str | None
    member: MemberRef
    role: str = strawberry.field(description="The member's current role.")
    via_role: str | None = strawberry.field(
        description="The role the right is granted to; null when granted to the member.")
    granted_at: datetime
    effective_from: datetime
    phases: list[PhaseRef] = strawberry.field(
        description="The phases the right holds in; empty: every phase.")

    @classmethod
    def of(cls, row: MandateRow) -> Mandate:
        return cls(
            _row=row, right_id=strawberry.ID(row.right_id), right=row.right,
            domain=DomainRef(id=strawberry.ID(row.domain_id), name=row.domain_name),
            condition=row.condition,
            member=MemberRef(id=strawberry.ID(row.member_id), name=row.member_name),
            role=row.member_role, via_role=row.via_role, granted_at=row.granted_at,
            effective_from=row.effective_from,
            phases=[PhaseRef(id=strawberry.ID(p.id), name=p.name) for p in row.phases],
        )

    @strawberry.field(description="The trajectory (id, name and status without loading it).")
    def trajectory(self, info: Info) -> Trajectory:
        row = self._row
        return lazy_trajectory(info.context.app, row.trajectory_id, name=row.trajectory_name,
                               status=row.trajectory_status)
