"""Who had to be heard (ADVISES) and who had to be told (INFORMED): one test per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from decisionlog.domain.consultation import Holder
from decisionlog.domain.errors import (
    AlreadyInformedError,
    MemberNotActiveError,
    NoInformedRightError,
    ValidationError,
)
from decisionlog.domain.trajectory import Trajectory
from tests.unit.test_phases import DAY, Phased, begin, grant_in
from tests.unit.test_trajectory import (
    BY,
    T0,
    add_member,
    change_role,
    decide,
    grant,
    ratify,
    refused,
    remove,
    surface,
    tick,
)


def inform(t: Trajectory, decision_id: str, members: list[str], **kwargs: object) -> str:
    return t.mark_informed(decision_id=decision_id, member_ids=members, provenance=BY,
                           now=tick(t), **kwargs)  # type: ignore[arg-type]


class Advised(Phased):
    """Cas (learning facilitator) advises on programme design in the design phase; the
    role "HR lead" (Dee) advises in every phase; the client sponsor role is informed."""

    def __init__(self) -> None:
        super().__init__()
        self.cas = add_member(self.t, "Cas", "learning facilitator")
        grant_in(self.t, self.design, self.cas, phases=[self.design_phase],
                 right="ADVISES", effective_from=T0)
        grant(self.t, self.design, role="HR lead", right="ADVISES", effective_from=T0)
        self.eve = add_member(self.t, "Eve", "client sponsor")
        grant(self.t, self.design, role="client sponsor", right="INFORMED",
              effective_from=T0)
        grant(self.t, self.design, self.ben, right="INFORMED", effective_from=T0)


@pytest.fixture
def advised() -> Advised:
    return Advised()


def test_advisers_not_consulted_are_listed_in_the_phase_of_the_decision(
        advised: Advised) -> None:
    t = advised.t
    in_design = decide(t, advised.design, [advised.ada], decided_at=T0 + 11 * DAY)
    in_intake = decide(t, advised.design, [advised.ada], decided_at=T0 + 2 * DAY)
    assert t.not_consulted(t.decisions[in_design]) == [
        Holder(advised.cas, None), Holder(None, "HR lead")]
    assert t.not_consulted(t.decisions[in_intake]) == [Holder(None, "HR lead")]
    assert [d.id for d in t.consultation_gaps()] == [in_design, in_intake]
    assert [d.id for d in t.consultation_gaps(advised.design_phase)] == [in_design]


def test_consulting_the_adviser_or_anyone_with_the_role_hears_them(advised: Advised) -> None:
    t = advised.t
    heard = decide(t, advised.design, [advised.ada], decided_at=T0 + 11 * DAY,
                   consulted=[advised.cas, advised.dee])
    assert t.not_consulted(t.decisions[heard]) == []
    assert t.consultation_gaps() == []


def test_an_adviser_who_decided_was_heard(advised: Advised) -> None:
    t = advised.t
    grant(t, advised.design, advised.cas)
    by_cas = decide(t, advised.design, [advised.cas], decided_at=T0 + 11 * DAY,
                    consulted=[advised.dee])
    assert t.not_consulted(t.decisions[by_cas]) == []


def test_a_role_nobody_had_then_had_nobody_to_hear(advised: Advised) -> None:
    t = advised.t
    change_role(t, advised.dee, "HR director")
    later = decide(t, advised.design, [advised.ada], consulted=[advised.cas])
    assert t.not_consulted(t.decisions[later]) == []
    earlier = decide(t, advised.design, [advised.ada], consulted=[advised.cas],
                     decided_at=T0 + 11 * DAY)  # Dee's first role reaches back
    assert t.not_consulted(t.decisions[earlier]) == [Holder(None, "HR lead")]


def test_a_right_granted_later_with_an_earlier_effect_rejudges_decisions(
        advised: Advised) -> None:
    t = advised.t
    decision = decide(t, advised.budget, [advised.ada], decided_at=T0 + 11 * DAY)
    assert t.not_consulted(t.decisions[decision]) == []
    grant(t, advised.budget, advised.ben, right="ADVISES", effective_from=T0 + 5 * DAY)
    assert t.not_consulted(t.decisions[decision]) == [Holder(advised.ben, None)]


def test_surfaced_and_rejected_decisions_had_nobody_to_hear_yet(advised: Advised) -> None:
    t = advised.t
    surfaced = surface(t, advised.design, advised.ada, since=T0 + 11 * DAY)
    assert t.not_consulted(t.decisions[surfaced]) == []
    ratify(t, surfaced, [advised.ada])  # judged at ratification: nobody was consulted
    assert t.not_consulted(t.decisions[surfaced]) == [
        Holder(advised.cas, None), Holder(None, "HR lead")]


# Who had to be told


def test_to_inform_lists_holders_until_they_are_marked(advised: Advised) -> None:
    t = advised.t
    decision = decide(t, advised.design, [advised.ada], decided_at=T0 + 11 * DAY)
    assert t.to_inform(t.decisions[decision]) == [advised.ben, advised.eve]
    inform(t, decision, [advised.eve], informed_at=T0 + 12 * DAY)
    assert t.to_inform(t.decisions[decision]) == [advised.ben]
    mark = t.decisions[decision].informed[0]
    assert (mark.member_id, mark.informed_at) == (advised.eve, T0 + 12 * DAY)
    inform(t, decision, [advised.ben])
    assert t.to_inform(t.decisions[decision]) == []


def test_marking_informed_refuses_bad_input_and_writes_nothing(advised: Advised) -> None:
    t = advised.t
    decision = decide(t, advised.design, [advised.ada], decided_at=T0 + 11 * DAY)
    inform(t, decision, [advised.eve])
    with refused(t, AlreadyInformedError, "ALREADY_INFORMED"):
        inform(t, decision, [advised.ben, advised.eve])
    with refused(t, NoInformedRightError, "NO_INFORMED_RIGHT"):
        inform(t, decision, [advised.cas])
    with refused(t, ValidationError, "VALIDATION_ERROR", "memberIds"):
        inform(t, decision, [])
    with refused(t, ValidationError, "VALIDATION_ERROR", "informedAt"):
        inform(t, decision, [advised.ben], informed_at=T0 + 10 * DAY)
    with refused(t, ValidationError, "VALIDATION_ERROR", "informedAt"):
        inform(t, decision, [advised.ben], informed_at=tick(t, 60))
    remove(t, advised.ben)
    with refused(t, MemberNotActiveError, "MEMBER_NOT_ACTIVE"):
        inform(t, decision, [advised.ben])
    assert t.to_inform(t.decisions[decision]) == []  # Ben left: nobody is left to tell


def test_informed_rights_for_other_phases_do_not_count(advised: Advised) -> None:
    t = advised.t
    zed = add_member(t, "Zed", "line manager")
    grant_in(t, advised.design, zed, phases=[advised.line], right="INFORMED",
             effective_from=T0)
    decision = decide(t, advised.design, [advised.ada], decided_at=T0 + 11 * DAY)
    with refused(t, NoInformedRightError, "NO_INFORMED_RIGHT"):
        inform(t, decision, [zed])
    begin(t, advised.line, T0 + 10 * DAY + timedelta(hours=1))  # backdated: now in Line
    assert zed in t.to_inform(t.decisions[decision])
    inform(t, decision, [zed])
