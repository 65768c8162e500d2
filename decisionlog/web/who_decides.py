"""The board's view of *who decides when about what*: the phases and their timeline, the
who-decides-what table for one phase (the current one unless the URL chooses another)
with the gaps of every phase, why decisions lie outside their mandate, and who had to
be heard or told and was not.

Every judgement is the domain's own (`domain/phases.py`, `mandate.py`,
`consultation.py`); this module only gathers what a section shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from decisionlog.domain.mandate import decision_phase_id, phase_for
from decisionlog.domain.values import DecisionStatus, RightKind

if TYPE_CHECKING:
    from decisionlog.domain.consultation import Holder as ConsultationHolder
    from decisionlog.domain.entities import Decision, DecisionDomain, DecisionRight
    from decisionlog.domain.mandate import MandateGap
    from decisionlog.domain.phases import Phase, PhaseStart
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.board import BoardState

BACKDATED = timedelta(minutes=1)  # a start recorded this much after it began is backdated


# The phase timeline


@dataclass(frozen=True)
class Stretch:
    """A stretch of the timeline in which one phase was current: from `started_at`
    until the next phase started (None: it still is)."""

    phase_id: str
    started_at: datetime
    recorded_at: datetime
    until: datetime | None

    @property
    def backdated(self) -> bool:
        return self.recorded_at - self.started_at > BACKDATED


def stretches(starts: list[PhaseStart]) -> list[Stretch]:
    """The timeline as the domain reads it (`phases.phase_id_at`): from each moment a
    phase was started, the start recorded last at that moment holds; a phase started
    again while current goes on."""
    holding: dict[datetime, PhaseStart] = {}
    for start in starts:  # in recorded order: at the same moment the later record wins
        holding[start.started_at] = start
    found: list[PhaseStart] = []
    for moment in sorted(holding):
        if not found or found[-1].phase_id != holding[moment].phase_id:
            found.append(holding[moment])
    return [Stretch(s.phase_id, s.started_at, s.recorded_at,
                    found[n + 1].started_at if n + 1 < len(found) else None)
            for n, s in enumerate(found)]


@dataclass(frozen=True)
class PhaseRow:
    """A phase, the stretches in which it was current, whether it is now, and the
    domains nobody decides on in it."""

    phase: Phase
    number: int  # its place in the list, from 1
    stretches: list[Stretch]
    current: bool
    gaps: list[DecisionDomain]


@dataclass(frozen=True)
class PhaseTimeline:
    rows: list[PhaseRow]
    current: PhaseRow | None
    corrected: list[PhaseStart]  # starts a later record at the same moment overruled


def phase_timeline(trajectory: Trajectory, at: datetime | None = None) -> PhaseTimeline:
    """Every phase by order, with when it held and its gaps (rights in force now, or at
    `at`); the starts that were corrected."""
    timeline = stretches(trajectory.phase_starts)
    current_id = trajectory.current_phase_id()
    rows = [PhaseRow(p, n, [s for s in timeline if s.phase_id == p.id], p.id == current_id,
                     trajectory.gaps(p.id, at))
            for n, p in enumerate(trajectory.phases_in_order(), start=1)]
    last = {s.started_at: s for s in trajectory.phase_starts}  # recorded last, per moment
    corrected = [s for s in trajectory.phase_starts if last[s.started_at] is not s]
    return PhaseTimeline(rows, next((r for r in rows if r.current), None), corrected)


def phases_section(state: BoardState) -> PhaseTimeline:
    return phase_timeline(state.trajectory, state.as_of.in_force_at)


# Who decides what, in a phase


@dataclass(frozen=True)
class Holder:
    """Who holds a right, in words: a member, or every member with a role (and who has
    that role then); the phases it is limited to, and its condition."""

    right: DecisionRight
    name: str
    via_role: str | None
    holders_now: list[str]
    phases: list[str]

    @property
    def condition(self) -> str | None:
        return self.right.condition


@dataclass(frozen=True)
class MatrixRow:
    domain: DecisionDomain
    decides: list[Holder]
    advises: list[Holder]
    informed: list[Holder]
    gap: bool


@dataclass(frozen=True)
class Matrix:
    """The who-decides-what table in one phase, in force now or at `at`."""

    rows: list[MatrixRow]
    phase: Phase | None  # None: no phase had started (only rights for every phase hold)
    current: Phase | None  # the phase current then, shown unless another is chosen
    at: datetime | None  # valid time asked ("in force on"); None: now, as recorded
    phases: list[Phase]  # to choose from

    @property
    def chosen(self) -> bool:
        """Whether the phase shown was chosen, rather than the one current then."""
        return self.phase is not self.current

    @property
    def gaps(self) -> list[MatrixRow]:
        return [row for row in self.rows if row.gap]


def holder(trajectory: Trajectory, right: DecisionRight, at: datetime | None = None
           ) -> Holder:
    phases = [trajectory.phases[p].name for p in right.phase_ids]
    if right.member_id is not None:
        member = trajectory.members[right.member_id]
        held = member.active if at is None else member.role_at(at) is not None
        return Holder(right, member.name, None, [member.name] if held else [], phases)
    role = right.role or ""
    now = [m.name for m in trajectory.members.values()
           if (m.active and m.role == role if at is None else m.role_at(at) == role)]
    return Holder(right, role, role, now, phases)


def matrix(state: BoardState) -> Matrix:
    t, at = state.trajectory, state.as_of.in_force_at
    current_id = phase_for(t, None, at)
    phase_id = current_id if state.phase_id is None else state.phase_id
    gap_ids = {d.id for d in t.gaps(phase_id, at)}
    rows = [MatrixRow(row.domain, [holder(t, r, at) for r in row.decides],
                      [holder(t, r, at) for r in row.advises],
                      [holder(t, r, at) for r in row.informed], row.domain.id in gap_ids)
            for row in t.who_decides_what(phase_id, at)]
    return Matrix(rows, None if phase_id is None else t.phases[phase_id],
                  None if current_id is None else t.phases[current_id], at,
                  t.phases_in_order())


# Decisions outside their mandate, and who was not heard or told


@dataclass(frozen=True)
class Judged:
    """A decision with the phase it was taken in and what the domain found."""

    decision: Decision
    phase: Phase | None
    gap: MandateGap | None = None
    not_heard: tuple[str, ...] = ()  # who had to be heard and was not, in words
    to_tell: tuple[str, ...] = ()  # who had to be told and is not marked told


def phase_of(trajectory: Trajectory, decision: Decision) -> Phase | None:
    phase_id = decision_phase_id(trajectory, decision)
    return None if phase_id is None else trajectory.phases[phase_id]


def holder_names(trajectory: Trajectory, holders: list[ConsultationHolder]) -> tuple[str, ...]:
    return tuple(trajectory.members[h.member_id].name if h.member_id is not None
                 else f"every {h.role}" for h in holders)


def out_of_mandate(state: BoardState) -> list[Judged]:
    t = state.trajectory
    return [Judged(d, phase_of(t, d), t.mandate_gap(d)) for d in t.decisions.values()
            if d.id in state.out_of_mandate]


def consultation_gaps(state: BoardState) -> list[Judged] | None:
    """Decisions that skipped someone who had to be heard (None, hiding the section,
    before any decision)."""
    t = state.trajectory
    if not t.decisions:
        return None
    gap_ids = state.consultation_gap_ids()
    return [Judged(d, phase_of(t, d), not_heard=holder_names(t, t.not_consulted(d)))
            for d in t.decisions.values() if d.id in gap_ids]


def waiting_to_be_told(trajectory: Trajectory, *, in_force_only: bool = False
                       ) -> dict[str, list[str]]:
    """Decision id: the members still to be told of it (`Trajectory.to_inform`), for
    the decisions with any; only decisions on a domain that ever had an INFORMED right
    are asked (on a 10,000-decision trajectory without one, asking each costs 65 ms)."""
    domains = {r.domain_id for r in trajectory.rights.values() if r.kind is RightKind.INFORMED}
    found = {}
    for d in trajectory.decisions.values():
        if d.domain_id in domains and (not in_force_only
                                       or d.status is DecisionStatus.IN_FORCE):
            members = trajectory.to_inform(d)
            if members:
                found[d.id] = members
    return found


def to_inform(state: BoardState) -> list[Judged] | None:
    """Decisions in force with someone who holds an INFORMED right not yet told (None,
    hiding the section, before any decision)."""
    t = state.trajectory
    if not t.decisions:
        return None
    waiting = waiting_to_be_told(t, in_force_only=True)
    return [Judged(d, phase_of(t, d), to_tell=tuple(t.members[m].name for m in waiting[d.id]))
            for d in t.decisions.values() if d.id in waiting]
