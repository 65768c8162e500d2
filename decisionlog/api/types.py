"""GraphQL object types, and the converters from domain objects to them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from decisionlog.api.context import Info
from decisionlog.api.enums import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    RightKind,
    Scale,
    Side,
    TrajectoryStatus,
)
from decisionlog.api.event_types import Event
from decisionlog.api.memo import is_within_mandate
from decisionlog.api.pagination import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    require_offset,
)
from decisionlog.api.phase_types import (
    DecisionPhaseFields,
    Phase,
    TrajectoryPhaseFields,
    gaps,
    out_of_mandate,
    phase_id_arg,
    who_decides_what,
)
from decisionlog.api.review_types import DecisionReviewFields, TrajectoryReviewFields
from decisionlog.domain import entities
from decisionlog.domain.bitemporal import in_force_at
from decisionlog.domain.mandate import DomainMandate as DomainMandateRow
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate


@strawberry.type
class Member:
    """A person on the design team."""

    id: strawberry.ID
    name: str
    role: str
    side: Side
    membership: Membership
    active: bool
    joined_at: datetime
    left_at: datetime | None

    @classmethod
    def of(cls, member: entities.Member) -> Member:
        return cls(
            id=strawberry.ID(member.id), name=member.name, role=member.role,
            side=member.side, membership=member.membership, active=member.active,
            joined_at=member.joined_at, left_at=member.left_at,
        )


@strawberry.type
class Role:
    """A role on the design team; a right held by a role is held by every active member
    with that role."""

    name: str


RightHolder = Annotated[Member | Role, strawberry.union("RightHolder")]


@strawberry.type
class DecisionDomain:
    """A named area of decisions: the "about what"."""

    id: strawberry.ID
    name: str
    description: str | None
    active: bool
    defined_at: datetime
    retired_at: datetime | None

    @classmethod
    def of(cls, domain: entities.DecisionDomain) -> DecisionDomain:
        return cls(
            id=strawberry.ID(domain.id), name=domain.name, description=domain.description,
            active=domain.active, defined_at=domain.defined_at, retired_at=domain.retired_at,
        )


@strawberry.type
class DecisionRight:
    """Who DECIDES, ADVISES or is INFORMED about a domain, and optionally when."""

    _trajectory: strawberry.Private[TrajectoryAggregate]
    _right: strawberry.Private[entities.DecisionRight]
    id: strawberry.ID
    domain: DecisionDomain
    holder: RightHolder
    right: RightKind
    condition: str | None
    in_force: bool
    granted_at: datetime
    effective_from: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, right: entities.DecisionRight) -> DecisionRight:
        holder: Member | Role = (
            Member.of(trajectory.members[right.member_id]) if right.member_id is not None
            else Role(name=right.role or "")
        )
        return cls(
            _trajectory=trajectory, _right=right, id=strawberry.ID(right.id),
            domain=DecisionDomain.of(trajectory.domains[right.domain_id]),
            holder=holder, right=right.kind, condition=right.condition,
            in_force=right.in_force, granted_at=right.granted_at,
            effective_from=right.effective_from, ended_at=right.ended_at,
        )

    @strawberry.field(description="The phases it holds in; empty: every phase (and before "
                                  "any phase started).")
    def phases(self) -> list[Phase]:
        t = self._trajectory
        return [Phase.of(t, t.phases[p]) for p in self._right.phase_ids]


@strawberry.type
class DomainMandate:
    """One row of the who-decides-what view."""

    domain: DecisionDomain
    decides: list[DecisionRight]
    advises: list[DecisionRight]
    informed: list[DecisionRight]

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, row: DomainMandateRow) -> DomainMandate:
        return cls(
            domain=DecisionDomain.of(row.domain),
            decides=[DecisionRight.of(trajectory, r) for r in row.decides],
            advises=[DecisionRight.of(trajectory, r) for r in row.advises],
            informed=[DecisionRight.of(trajectory, r) for r in row.informed],
        )


@strawberry.type
class Decision(DecisionPhaseFields, DecisionReviewFields):
    """An explicit decision, or an implicit one someone surfaced."""

    _trajectory: strawberry.Private[TrajectoryAggregate]
    _decision: strawberry.Private[entities.Decision]
    id: strawberry.ID
    title: str
    kind: DecisionKind
    origin: DecisionOrigin
    status: DecisionStatus
    scale: Scale
    statement: str
    rationale: str | None
    options_considered: list[str]
    decided_at: datetime | None
    recorded_at: datetime
    since: datetime | None
    evidence: str | None
    ratified_at: datetime | None

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, decision: entities.Decision) -> Decision:
        return cls(
            _trajectory=trajectory, _decision=decision, id=strawberry.ID(decision.id),
            title=decision.title, kind=decision.kind, origin=decision.origin,
            status=decision.status, scale=decision.scale, statement=decision.statement,
            rationale=decision.rationale, options_considered=decision.options_considered,
            decided_at=decision.decided_at, recorded_at=decision.recorded_at,
            since=decision.since, evidence=decision.evidence,
            ratified_at=decision.ratified_at,
        )

    @strawberry.field
    def trajectory_id(self) -> strawberry.ID:
        return strawberry.ID(str(self._trajectory.id))

    @strawberry.field
    def domain(self) -> DecisionDomain:
        return DecisionDomain.of(self._trajectory.domains[self._decision.domain_id])

    @strawberry.field
    def decided_by(self) -> list[Member]:
        return self._members(self._decision.decided_by)

    @strawberry.field
    def consulted(self) -> list[Member]:
        return self._members(self._decision.consulted)

    @strawberry.field
    def surfaced_by(self) -> Member | None:
        surfacer = self._decision.surfaced_by
        return None if surfacer is None else Member.of(self._trajectory.members[surfacer])

    @strawberry.field
    def ratified_by(self) -> list[Member]:
        return self._members(self._decision.ratified_by)

    @strawberry.field
    def supersedes(self) -> list[Decision]:
        return self._decisions(self._decision.supersedes)

    @strawberry.field
    def superseded_by(self) -> list[Decision]:
        return self._decisions(self._decision.superseded_by)

    @strawberry.field
    def within_mandate(self, info: Info) -> bool:
        return is_within_mandate(info.context.memo, self._trajectory, self._decision)

    def _members(self, ids: list[str]) -> list[Member]:
        return [Member.of(self._trajectory.members[i]) for i in ids]

    def _decisions(self, ids: list[str]) -> list[Decision]:
        return [Decision.of(self._trajectory, self._trajectory.decisions[i]) for i in ids]


@strawberry.type
class Trajectory(TrajectoryPhaseFields, TrajectoryReviewFields):
    """One programme's decision process, now or as of a moment in its history."""

    _trajectory: strawberry.Private[TrajectoryAggregate]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._trajectory.id))

    @strawberry.field
    def name(self) -> str:
        return self._trajectory.name

    @strawberry.field
    def client(self) -> str | None:
        return self._trajectory.client

    @strawberry.field
    def description(self) -> str | None:
        return self._trajectory.description

    @strawberry.field
    def status(self) -> TrajectoryStatus:
        return self._trajectory.status

    @strawberry.field(description="Number of events in its stream, as of asOf.")
    def version(self) -> int:
        return self._trajectory.version

    @strawberry.field(description="The digest of its last event (as of asOf): the head of "
                                  "its hash chain.")
    def head_digest(self) -> str:
        return self._trajectory.head_digest

    @strawberry.field
    def started_at(self) -> datetime:
        return self._trajectory.created_on

    @strawberry.field
    def modified_at(self) -> datetime:
        return self._trajectory.modified_on

    @strawberry.field
    def members(self, include_former: bool = False) -> list[Member]:
        return [Member.of(m) for m in self._trajectory.members.values()
                if include_former or m.active]

    @strawberry.field(description="Every domain, retired ones too (active: false).")
    def domains(self) -> list[DecisionDomain]:
        return [DecisionDomain.of(d) for d in self._trajectory.domains.values()]

    @strawberry.field(description="Rights in force; includeRevoked for all.")
    def decision_rights(self, include_revoked: bool = False) -> list[DecisionRight]:
        return [DecisionRight.of(self._trajectory, r) for r in self._trajectory.rights.values()
                if include_revoked or r.in_force]

    @strawberry.field(description=(
        "One row per active domain (domainName: that one only, case-insensitive), with "
        "the rights that hold in a phase (default: the phase current at `at`, or now), "
        "in force now (as of asOf) or, with `at`, at that moment of valid time."))
    def who_decides_what(self, info: Info, phase: strawberry.ID | None = None,
                         at: datetime | None = None, domain_name: str | None = None
                         ) -> list[DomainMandate]:
        t = self._trajectory
        return who_decides_what(info.context.memo, t, phase_id_arg(t, phase), at, domain_name)

    @strawberry.field(description=(
        "Active domains nobody holds DECIDES on in a phase (default: the phase current "
        "at `at`, or now), now (as of asOf) or at `at` (valid time)."))
    def gaps(self, info: Info, phase: strawberry.ID | None = None, at: datetime | None = None
             ) -> list[DecisionDomain]:
        t = self._trajectory
        return gaps(info.context.memo, t, phase_id_arg(t, phase), at)

    @strawberry.field(description=(
        "Decisions whose deciders held no DECIDES right on that domain at decidedAt, in "
        "the phase current then (phase: taken in that phase only); "
        "Decision.outOfMandateReason says why."))
    def out_of_mandate(self, info: Info, phase: strawberry.ID | None = None) -> list[Decision]:
        t = self._trajectory
        return out_of_mandate(info.context.memo, t, phase_id_arg(t, phase))

    @strawberry.field
    def decisions(
        self,
        status: DecisionStatus | None = None,
        domain_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Decision]:
        size = page_size(first)
        start = decode_cursor("decision", after)
        matching = [
            (position, d)
            for position, d in enumerate(self._trajectory.decisions.values(), start=1)
            if (status is None or d.status == status)
            and (domain_id is None or d.domain_id == domain_id)
        ]
        page = [(p, d) for p, d in matching if p > start]
        return connection(
            "decision", page[:size], total_count=len(matching),
            has_next_page=len(page) > size,
            node=lambda d: Decision.of(self._trajectory, d),
        )

    @strawberry.field(description=(
        "Decisions in force at a moment of valid time (decidedAt), as this trajectory "
        "knows them: now, or as of asOf. Compare trajectory(asOf: {at}), which is what "
        "was known (recorded) at that moment: a decision recorded today with decidedAt "
        "last month is in force two weeks ago, but was not known then."))
    def decisions_in_force_at(self, at: datetime) -> list[Decision]:
        require_offset("at", at)
        return [Decision.of(self._trajectory, d) for d in in_force_at(self._trajectory, at)]

    @strawberry.field
    def decision(self, id: strawberry.ID) -> Decision | None:
        decision = self._trajectory.decisions.get(id)
        return None if decision is None else Decision.of(self._trajectory, decision)

    @strawberry.field(description="Its events, oldest first, up to its version as of asOf.")
    def history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Event]:
        size = page_size(first)
        start = decode_cursor("event", after)
        events = list(info.context.app.history(
            self._trajectory.id, after=start, limit=size + 1, up_to=self._trajectory.version))
        return connection(
            "event", [(e.originator_version, e) for e in events[:size]],
            total_count=self._trajectory.version, has_next_page=len(events) > size,
            node=lambda event: Event.of(event, lambda: self._trajectory),
        )


def trajectory_type(aggregate: TrajectoryAggregate) -> Trajectory:
    """The GraphQL view of a trajectory aggregate."""
    return Trajectory(_trajectory=aggregate)

