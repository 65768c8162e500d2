"""Phases of the design process: who decides WHEN about what. One test per rule.

Every refused command raises its error with its stable code and leaves the trajectory
exactly as it was (`refused`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from decisionlog.domain.errors import (
    BeforeTrajectoryStartError,
    DuplicatePhaseNameError,
    DuplicateRightError,
    PhaseAlreadyCurrentError,
    PhaseIsCurrentError,
    PhaseNotFoundError,
    PhaseRetiredError,
    ValidationError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import OutOfMandateReason, RightKind
from tests.unit.helpers import replay
from tests.unit.test_trajectory import (
    BY,
    T0,
    Team,
    add_member,
    decide,
    grant,
    ratify,
    refused,
    remove,
    revoke,
    surface,
    tick,
)

DAY = timedelta(days=1)


def define(t: Trajectory, name: str, *, order: int | None = None) -> str:
    return t.define_phase(name=name, description=None, order=order, provenance=BY,
                          now=tick(t))


def begin(t: Trajectory, phase_id: str, started_at: datetime | None = None) -> str:
    return t.start_phase(phase_id=phase_id, started_at=started_at, provenance=BY,
                         now=tick(t))


def grant_in(t: Trajectory, domain_id: str, member_id: str | None = None, *,
             phases: list[str], role: str | None = None, right: str = "DECIDES",
             effective_from: datetime | None = None) -> str:
    return t.grant_right(domain_id=domain_id, member_id=member_id, role=role, right=right,
                         condition=None, effective_from=effective_from, phases=phases,
                         provenance=BY, now=tick(t))


class Phased(Team):
    """The team with three phases: intake from day 1, design from day 10 (nothing yet
    for "Line"). Ben decides on programme design in the design phase only; Ada (as
    before) in every phase."""

    def __init__(self) -> None:
        super().__init__()
        self.intake = define(self.t, "Intake")
        self.design_phase = define(self.t, "Design")
        self.line = define(self.t, "Line takes over")
        self.dee = add_member(self.t, "Dee", "HR lead", now=T0 + 20 * DAY)  # the clock
        begin(self.t, self.intake, T0 + DAY)
        begin(self.t, self.design_phase, T0 + 10 * DAY)
        self.ben_in_design = grant_in(self.t, self.design, self.ben,
                                      phases=[self.design_phase], effective_from=T0)


@pytest.fixture
def phased() -> Phased:
    return Phased()


# Defining, ordering and retiring phases


def test_phases_are_ordered_after_the_last_unless_given(phased: Phased) -> None:
    t = phased.t
    define(t, "Evaluation")
    assert [p.name for p in t.phases_in_order()] == [
        "Intake", "Design", "Line takes over", "Evaluation"]
    assert [p.order for p in t.phases_in_order()] == [1, 2, 3, 4]
    first = define(t, "Before all", order=0)
    assert t.phases_in_order()[0].id == first


@pytest.mark.parametrize("order", [-1, 1_000_001, 1.5, "2"])
def test_an_order_outside_the_range_is_a_validation_error(phased: Phased,
                                                          order: object) -> None:
    with refused(phased.t, ValidationError, "VALIDATION_ERROR", "order"):
        phased.t.define_phase(name="Odd", description=None, order=order,  # type: ignore[arg-type]
                              provenance=BY, now=tick(phased.t))


def test_an_active_phase_name_is_not_taken_twice(phased: Phased) -> None:
    with refused(phased.t, DuplicatePhaseNameError, "DUPLICATE_PHASE_NAME"):
        define(phased.t, " design ")


def test_a_retired_phase_keeps_its_history_and_is_not_started_again(phased: Phased) -> None:
    t = phased.t
    t.retire_phase(phase_id=phased.intake, reason="Done", provenance=BY, now=tick(t))
    assert not t.phases[phased.intake].active
    assert t.phase_at(T0 + 2 * DAY).id == phased.intake  # type: ignore[union-attr]
    with refused(t, PhaseRetiredError, "PHASE_RETIRED"):
        begin(t, phased.intake)
    with refused(t, PhaseRetiredError, "PHASE_RETIRED"):
        grant_in(t, phased.budget, phased.ada, phases=[phased.intake])
    with refused(t, PhaseRetiredError, "PHASE_RETIRED"):
        t.retire_phase(phase_id=phased.intake, reason=None, provenance=BY, now=tick(t))
    define(t, "Intake")  # the name is free again


def test_the_current_phase_cannot_be_retired(phased: Phased) -> None:
    with refused(phased.t, PhaseIsCurrentError, "PHASE_IS_CURRENT"):
        phased.t.retire_phase(phase_id=phased.design_phase, reason=None, provenance=BY,
                              now=tick(phased.t))


def test_a_right_granted_for_a_phase_later_retired_still_judges_history(
        phased: Phased) -> None:
    t = phased.t
    by_ben = decide(t, phased.design, [phased.ben], decided_at=T0 + 12 * DAY)
    begin(t, phased.line)
    t.retire_phase(phase_id=phased.design_phase, reason=None, provenance=BY, now=tick(t))
    assert t.is_within_mandate(t.decisions[by_ben])
    assert t.rights[phased.ben_in_design].in_force


def test_unknown_phase_ids_are_not_found(phased: Phased) -> None:
    with refused(phased.t, PhaseNotFoundError, "NOT_FOUND"):
        begin(phased.t, "no-such-phase")
    with refused(phased.t, PhaseNotFoundError, "NOT_FOUND"):
        grant_in(phased.t, phased.budget, phased.ada, phases=["no-such-phase"])
    with refused(phased.t, ValidationError, "VALIDATION_ERROR", "phases"):
        grant_in(phased.t, phased.budget, phased.ada, phases=[phased.line, phased.line])


# Starting phases: the timeline in valid time


def test_the_phase_current_at_a_moment_is_the_latest_start_before_it(phased: Phased) -> None:
    t = phased.t
    assert t.phase_at(T0) is None
    assert t.phase_at(T0 + DAY).id == phased.intake  # type: ignore[union-attr]
    assert t.phase_at(T0 + 9 * DAY).id == phased.intake  # type: ignore[union-attr]
    assert t.phase_at(T0 + 10 * DAY).id == phased.design_phase  # type: ignore[union-attr]
    assert t.current_phase_id() == phased.design_phase


def test_a_backdated_start_changes_the_past_from_then_on(phased: Phased) -> None:
    t = phased.t
    begin(t, phased.line, T0 + 5 * DAY)
    assert t.phase_at(T0 + 4 * DAY).id == phased.intake  # type: ignore[union-attr]
    assert t.phase_at(T0 + 6 * DAY).id == phased.line  # type: ignore[union-attr]
    assert t.current_phase_id() == phased.design_phase  # the later start still holds


def test_of_two_starts_at_the_same_moment_the_later_recorded_holds(phased: Phased) -> None:
    t = phased.t
    begin(t, phased.line, T0 + DAY)  # "not intake, the line took over that day"
    assert t.phase_at(T0 + DAY).id == phased.line  # type: ignore[union-attr]
    begin(t, phased.intake, T0 + DAY)  # and corrected back
    assert t.phase_at(T0 + DAY).id == phased.intake  # type: ignore[union-attr]


def test_starting_the_phase_already_current_then_is_refused(phased: Phased) -> None:
    with refused(phased.t, PhaseAlreadyCurrentError, "PHASE_ALREADY_CURRENT"):
        begin(phased.t, phased.intake, T0 + 3 * DAY)


def test_a_start_before_the_trajectory_or_in_the_future_is_refused(phased: Phased) -> None:
    t = phased.t
    with refused(t, BeforeTrajectoryStartError, "BEFORE_TRAJECTORY_START"):
        begin(t, phased.line, T0 - timedelta(seconds=1))
    with refused(t, ValidationError, "VALIDATION_ERROR", "startedAt"):
        t.start_phase(phase_id=phased.line, started_at=tick(t, 10), provenance=BY,
                      now=tick(t))
    with refused(t, ValidationError, "VALIDATION_ERROR", "startedAt"):
        begin(t, phased.line, (T0 + DAY).replace(tzinfo=None))


# Rights for some phases; who decides what in a phase


def test_a_right_for_some_phases_holds_only_in_them(phased: Phased) -> None:
    t = phased.t

    def deciders(phase_id: str | None = None, at: datetime | None = None) -> set[str]:
        row = next(r for r in t.who_decides_what(phase_id, at) if r.domain.id == phased.design)
        return {r.member_id or "" for r in row.decides}

    assert deciders() == {phased.ada, phased.ben}  # now: the design phase
    assert deciders(phased.intake) == {phased.ada}
    assert deciders(at=T0 + 3 * DAY) == {phased.ada}  # intake then
    assert deciders(at=T0 + 11 * DAY) == {phased.ada, phased.ben}
    revoke(t, phased.ada_decides)
    assert phased.design in {d.id for d in t.gaps(phased.intake)}
    assert phased.design not in {d.id for d in t.gaps()}


def test_before_any_phase_only_rights_for_every_phase_hold(phased: Phased) -> None:
    t = phased.t
    early = decide(t, phased.design, [phased.ben], decided_at=T0 + timedelta(hours=1))
    assert not t.is_within_mandate(t.decisions[early])
    gap = t.mandate_gap(t.decisions[early])
    assert gap is not None and gap.reason is OutOfMandateReason.RIGHT_ONLY_IN_OTHER_PHASES
    assert "no phase had started" in gap.text


def test_the_same_right_for_other_phases_is_not_a_duplicate(phased: Phased) -> None:
    t = phased.t
    grant_in(t, phased.design, phased.ben, phases=[phased.line])
    with refused(t, DuplicateRightError, "DUPLICATE_RIGHT"):
        grant_in(t, phased.design, phased.ben, phases=[phased.design_phase])


# Out of mandate, and why


def test_a_decision_in_a_phase_where_its_decider_has_no_right_is_out_of_mandate(
        phased: Phased) -> None:
    t = phased.t
    in_intake = decide(t, phased.design, [phased.ben], decided_at=T0 + 2 * DAY)
    in_design = decide(t, phased.design, [phased.ben], decided_at=T0 + 11 * DAY)
    assert [d.id for d in t.out_of_mandate()] == [in_intake]
    assert [d.id for d in t.out_of_mandate(phased.intake)] == [in_intake]
    assert t.out_of_mandate(phased.design_phase) == []
    gap = t.mandate_gap(t.decisions[in_intake])
    assert gap is not None
    assert gap.reason is OutOfMandateReason.RIGHT_ONLY_IN_OTHER_PHASES
    assert gap.text == ("Ben (programme manager) DECIDES on Programme design only in "
                        "Design, and it was taken in Intake.")
    assert t.mandate_gap(t.decisions[in_design]) is None


def test_a_backdated_phase_start_rejudges_earlier_decisions(phased: Phased) -> None:
    t = phased.t
    decision = decide(t, phased.design, [phased.ben], decided_at=T0 + 8 * DAY)
    assert not t.is_within_mandate(t.decisions[decision])
    begin(t, phased.design_phase, T0 + 7 * DAY)  # design had started earlier than said
    assert t.is_within_mandate(t.decisions[decision])


@pytest.mark.parametrize("case", ["no right", "granted later", "ended", "removed"])
def test_each_reason_for_being_out_of_mandate(case: str) -> None:
    team = Team()
    t = team.t
    cas = add_member(t, "Cas", "learning facilitator")
    expected = {"no right": OutOfMandateReason.NO_RIGHT_ON_DOMAIN,
                "granted later": OutOfMandateReason.RIGHT_GRANTED_LATER,
                "ended": OutOfMandateReason.RIGHT_ENDED,
                "removed": OutOfMandateReason.DECIDER_REMOVED}[case]
    if case == "granted later":
        grant(t, team.budget, cas, effective_from=tick(t, 60 * 24))
    if case == "ended":
        revoke(t, grant(t, team.budget, cas))
    decision = decide(t, team.budget, [cas])
    if case == "removed":  # judged at a moment after Cas left: as a record read later
        remove(t, cas)
        t.decisions[decision].decided_at = tick(t)
    gap = t.mandate_gap(t.decisions[decision])
    assert gap is not None and gap.reason is expected, gap
    assert gap.text.startswith("Cas")


def test_of_several_deciders_the_most_telling_reason_is_given(phased: Phased) -> None:
    t = phased.t
    both = decide(t, phased.budget, [phased.ada, phased.ben], decided_at=T0 + 11 * DAY)
    grant_in(t, phased.budget, phased.ben, phases=[phased.line], effective_from=T0)
    gap = t.mandate_gap(t.decisions[both])
    assert gap is not None
    assert gap.reason is OutOfMandateReason.RIGHT_ONLY_IN_OTHER_PHASES
    assert gap.text.startswith("Ada (client) holds no DECIDES right on Budget; Ben")


def test_an_implicit_decision_is_judged_in_the_phase_of_its_ratification(
        phased: Phased) -> None:
    t = phased.t
    implicit = surface(t, phased.design, phased.ada, since=T0 + 2 * DAY)
    ratify(t, implicit, [phased.ben])  # now: the design phase, where Ben decides
    assert t.is_within_mandate(t.decisions[implicit])


def test_replaying_the_events_gives_the_same_phases(phased: Phased) -> None:
    t = phased.t
    begin(t, phased.line, T0 + 5 * DAY)
    stream = t.collect_events()
    rebuilt = replay(stream)
    assert rebuilt.phases == t.phases and rebuilt.phase_starts == t.phase_starts
    assert rebuilt.rights == t.rights
    assert rebuilt.rights[phased.ben_in_design].phase_ids == [phased.design_phase]
    assert rebuilt.rights[phased.ada_decides].kind is RightKind.DECIDES
