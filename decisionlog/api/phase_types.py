"""GraphQL types of the phases of the design process and of who had to be heard or told,
and the fields they add to `Trajectory` and `Decision` (mixed into those types).

`decisionlog.api.types` builds on this module (its `Trajectory` and `Decision` derive
from the mixins below), so the types of that module are named here lazily
(`strawberry.lazy`) and reached at call time (`_core()`).
"""

from __future__ import annotations

from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import strawberry

from decisionlog.api.arguments import QueryError, require_offset
from decisionlog.api.context import Info
from decisionlog.api.enums import OutOfMandateReason
from decisionlog.api.memo import StateMemo, out_of_mandate_ids
from decisionlog.domain import consultation, entities, mandate, phases
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate
from decisionlog.domain.values import name_key

if TYPE_CHECKING:
    from decisionlog.api.types import (
        Decision,
        DecisionDomain,
        DomainMandate,
        Member,
        RightHolder,
    )

CORE = "decisionlog.api.types"
LazyDecision = Annotated["Decision", strawberry.lazy(CORE)]
LazyMember = Annotated["Member", strawberry.lazy(CORE)]


def _core() -> ModuleType:
    from decisionlog.api import types  # at call time: that module imports this one

    return types


@strawberry.type(description=(
    "A phase of the design process (intake, design, the line takes over, ...): the "
    "*when* of who decides when about what. Rights may hold in some phases only."))
class Phase:
    _trajectory: strawberry.Private[TrajectoryAggregate]
    _phase: strawberry.Private[phases.Phase]
    id: strawberry.ID
    name: str
    description: str | None
    order: int = strawberry.field(description="Its place among the phases.")
    active: bool = strawberry.field(description="False once retired: it is not started "
                                                "again, its history and rights stay.")
    defined_at: datetime
    retired_at: datetime | None

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, phase: phases.Phase) -> Phase:
        return cls(_trajectory=trajectory, _phase=phase, id=strawberry.ID(phase.id),
                   name=phase.name, description=phase.description, order=phase.order,
                   active=phase.active, defined_at=phase.defined_at,
                   retired_at=phase.retired_at)

    @strawberry.field(description="Whether it is the current phase (as of asOf).")
    def current(self) -> bool:
        return self._trajectory.current_phase_id() == self._phase.id

    @strawberry.field(description="When it became the current phase (valid time), each "
                                  "time it did, earliest first.")
    def started_at(self) -> list[datetime]:
        return sorted(s.started_at for s in self._trajectory.phase_starts
                      if s.phase_id == self._phase.id)

    @strawberry.field(description=(
        "Who decides, advises and is informed in this phase: one row per active domain "
        "(domainName: that one only), with the rights that hold in this phase, in force "
        "now (as of asOf) or at `at` (valid time)."))
    def who_decides_what(self, info: Info, at: datetime | None = None,
                         domain_name: str | None = None
                         ) -> list[Annotated[DomainMandate, strawberry.lazy(CORE)]]:
        return who_decides_what(info.context.memo, self._trajectory, self._phase.id, at,
                                domain_name)

    @strawberry.field(description="Active domains nobody holds DECIDES on in this phase.")
    def gaps(self, info: Info, at: datetime | None = None
             ) -> list[Annotated[DecisionDomain, strawberry.lazy(CORE)]]:
        return gaps(info.context.memo, self._trajectory, self._phase.id, at)

    @strawberry.field(description="Decisions taken in this phase outside their deciders' "
                                  "mandate.")
    def out_of_mandate(self, info: Info) -> list[LazyDecision]:
        return out_of_mandate(info.context.memo, self._trajectory, self._phase.id)

    @strawberry.field(description="Decisions taken in this phase that skipped someone who "
                                  "had to be heard (see Decision.notConsulted).")
    def consultation_gaps(self, info: Info) -> list[LazyDecision]:
        return consultation_gaps(info.context.memo, self._trajectory, self._phase.id)


@strawberry.type(description="A phase became the current one at startedAt (valid time); "
                             "recorded at recordedAt.")
class PhaseStart:
    phase: Phase
    started_at: datetime
    recorded_at: datetime


@strawberry.type(description="Why a decision lies outside its deciders' mandate: a stable "
                             "reason, and a sentence naming who and which phases.")
class MandateGap:
    reason: OutOfMandateReason
    text: str


@strawberry.type(description="A member marked informed of a decision.")
class InformedMark:
    member: LazyMember
    informed_at: datetime = strawberry.field(description="When they were told.")
    recorded_at: datetime


def phase_id_arg(trajectory: TrajectoryAggregate, phase: strawberry.ID | None) -> str | None:
    """A phase argument of a query: None, or the id of a phase of the trajectory."""
    if phase is not None and phase not in trajectory.phases:
        raise QueryError(f"Trajectory {trajectory.id} has no phase {phase!r}.")
    return None if phase is None else str(phase)


def who_decides_what(memo: StateMemo, trajectory: TrajectoryAggregate, phase: str | None,
                     at: datetime | None, domain_name: str | None) -> list[DomainMandate]:
    require_offset("at", at)
    row_type = _core().DomainMandate
    return memo.get(trajectory, ("who_decides_what", phase, at, domain_name), lambda: [
        row_type.of(trajectory, row)
        for row in trajectory.who_decides_what(phase, at, domain_name)])


def gaps(memo: StateMemo, trajectory: TrajectoryAggregate, phase: str | None,
         at: datetime | None) -> list[DecisionDomain]:
    require_offset("at", at)
    domain_type = _core().DecisionDomain
    return memo.get(trajectory, ("gaps", phase, at), lambda: [
        domain_type.of(d) for d in trajectory.gaps(phase, at)])


def out_of_mandate(memo: StateMemo, trajectory: TrajectoryAggregate, phase: str | None
                   ) -> list[Decision]:
    decision_type = _core().Decision
    out = out_of_mandate_ids(memo, trajectory)
    return [decision_type.of(trajectory, d) for d in trajectory.decisions.values()
            if d.id in out and (phase is None
                                or mandate.decision_phase_id(trajectory, d) == phase)]


def consultation_gap_ids(memo: StateMemo, trajectory: TrajectoryAggregate) -> frozenset[str]:
    """The ids of the decisions that skipped someone who had to be heard, once per state
    (for `consultationGaps`, and for any view that lists what needs attention)."""
    return memo.get(trajectory, "consultation_gap_ids", lambda: frozenset(
        d.id for d in consultation.consultation_gaps(trajectory)))


def consultation_gaps(memo: StateMemo, trajectory: TrajectoryAggregate, phase: str | None
                      ) -> list[Decision]:
    decision_type = _core().Decision
    gap_ids = consultation_gap_ids(memo, trajectory)
    return [decision_type.of(trajectory, d) for d in trajectory.decisions.values()
            if d.id in gap_ids and (phase is None
                                    or mandate.decision_phase_id(trajectory, d) == phase)]


@strawberry.type
class TrajectoryPhaseFields:
    """The phase fields of `Trajectory`."""

    _trajectory: strawberry.Private[TrajectoryAggregate]

    @strawberry.field(description="Every phase (retired ones too, active: false), by "
                                  "order.")
    def phases(self) -> list[Phase]:
        t = self._trajectory
        return [Phase.of(t, p) for p in t.phases_in_order()]

    @strawberry.field(description="A phase by id, or by name (case-insensitive); null when "
                                  "there is none.")
    def phase(self, id: strawberry.ID | None = None, name: str | None = None
              ) -> Phase | None:
        if (id is None) == (name is None):
            raise QueryError("Give either id or name.")
        t = self._trajectory
        found = t.phases.get(id) if id is not None else next(
            (p for p in t.phases_in_order() if p.active
             and name_key(p.name) == name_key(name or "")), None)
        return None if found is None else Phase.of(t, found)

    @strawberry.field(description="The phase current now (as of asOf); null before the "
                                  "first phase started.")
    def current_phase(self) -> Phase | None:
        t = self._trajectory
        phase_id = t.current_phase_id()
        return None if phase_id is None else Phase.of(t, t.phases[phase_id])

    @strawberry.field(description="The phase current at a moment of valid time, as this "
                                  "trajectory knows it (now, or as of asOf).")
    def phase_at(self, at: datetime) -> Phase | None:
        require_offset("at", at)
        t = self._trajectory
        found = t.phase_at(at)
        return None if found is None else Phase.of(t, found)

    @strawberry.field(description=(
        "Every phase start, by startedAt (valid time), starts at the same moment in the "
        "order recorded: of those, the one recorded last holds."))
    def phase_timeline(self) -> list[PhaseStart]:
        t = self._trajectory
        ordered = sorted(enumerate(t.phase_starts), key=lambda s: (s[1].started_at, s[0]))
        return [PhaseStart(phase=Phase.of(t, t.phases[s.phase_id]), started_at=s.started_at,
                           recorded_at=s.recorded_at) for _, s in ordered]

    @strawberry.field(description=(
        "Decisions in force or superseded that skipped someone who had to be heard: a "
        "holder of an ADVISES right on the domain, in the phase and at the moment it was "
        "taken, not among those consulted (phase: taken in that phase only)."))
    def consultation_gaps(self, info: Info, phase: strawberry.ID | None = None
                          ) -> list[LazyDecision]:
        t = self._trajectory
        return consultation_gaps(info.context.memo, t, phase_id_arg(t, phase))


@strawberry.type
class DecisionPhaseFields:
    """The fields of `Decision` about its phase, its mandate and who was heard or told."""

    _trajectory: strawberry.Private[TrajectoryAggregate]
    _decision: strawberry.Private[entities.Decision]

    @strawberry.field(description=(
        "The phase current when it was taken (decidedAt; an implicit decision at its "
        "ratification); null before any phase started, or before it was taken."))
    def phase(self) -> Phase | None:
        t = self._trajectory
        phase_id = mandate.decision_phase_id(t, self._decision)
        return None if phase_id is None else Phase.of(t, t.phases[phase_id])

    @strawberry.field(description="Why it lies outside its deciders' mandate; null when "
                                  "it is within (or not taken yet).")
    def out_of_mandate_reason(self) -> MandateGap | None:
        gap = self._trajectory.mandate_gap(self._decision)
        return None if gap is None else MandateGap(reason=gap.reason, text=gap.text)

    @strawberry.field(description=(
        "Who had to be heard and was not: the holders of an ADVISES right on its domain "
        "in its phase when it was taken (directly, or through a role: a role is heard "
        "when anyone who had it then was consulted), other than those consulted or "
        "deciding."))
    def not_consulted(self) -> list[Annotated[RightHolder, strawberry.lazy(CORE)]]:
        core = _core()
        t = self._trajectory
        return [core.Member.of(t.members[h.member_id]) if h.member_id is not None
                else core.Role(name=h.role or "")
                for h in t.not_consulted(self._decision)]

    @strawberry.field(description=(
        "Who had to be told and is not marked informed yet: the members holding an "
        "INFORMED right on its domain (directly or through their role) in its phase when "
        "it was taken, still on the team."))
    def to_inform(self) -> list[LazyMember]:
        t = self._trajectory
        member_type = _core().Member
        return [member_type.of(t.members[m]) for m in t.to_inform(self._decision)]

    @strawberry.field(description="Who was marked informed of it (markInformed), in order.")
    def informed(self) -> list[InformedMark]:
        member_type = _core().Member
        return [InformedMark(member=member_type.of(self._trajectory.members[m.member_id]),
                             informed_at=m.informed_at, recorded_at=m.recorded_at)
                for m in self._decision.informed]
