"""The read-model queries: filters, counts, scopes, and keyset pages that stay put while
new rows arrive between them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    RightKind,
    TrajectoryStatus,
)
from decisionlog.readmodels import DecisionFilter, DecisionOrder, InvalidCursorError
from tests.integration.test_readmodels import scan_budget

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class Team:
    """One trajectory with members and domains, and a way to record decisions on it."""

    def __init__(self, app: DecisionLog, name: str, client: str | None) -> None:
        self.app = app
        self.id: UUID = app.handle(c.StartTrajectory(name=name, client=client, description=None),
            recorded_by="x").trajectory_id
        self.anna = self.run(c.AddMember(trajectory_id=str(self.id),
                                         name="Anna de Vries", role="client lead", side="CLIENT",
                                             membership="CORE"))
        self.bob = self.run(c.AddMember(trajectory_id=str(self.id),
                                        name="Bob", role="learning facilitator", side="PROVIDER",
                                            membership="CORE"))
        self.design = self.run(c.DefineDomain(trajectory_id=str(self.id),
                                              name="Programme design", description=None))
        self.budget = self.run(c.DefineDomain(trajectory_id=str(self.id),
                                              name="Budget", description=None))

    def run(self, command: Any) -> str:
        result = self.app.handle(command, recorded_by="x")
        assert result.result_id is not None
        return result.result_id

    def decide(self, title: str, *, at: datetime, by: str | None = None,
               domain: str | None = None, kind: str = "DECISION",
               supersedes: list[str] | None = None) -> str:
        return self.run(c.RecordDecision(trajectory_id=str(self.id),
                                         domain_id=domain or self.design, title=title,
                                             statement=f"{title}, decided.",
            decided_by=[by or self.anna], decided_at=at, kind=kind, supersedes=supersedes))


def titles(rows: Any) -> list[str]:
    return [r.title for r in rows]


def test_decision_filters_and_counts(app: DecisionLog) -> None:
    fusion, other = Team(app, "Fusie", "Gemeente Utrecht"), Team(app, "Gideonsbende", None)
    old = fusion.decide("Unity over difference", at=T0)
    fusion.decide("Keep the difference", at=T0 + timedelta(days=1), supersedes=[old])
    fusion.decide("Budget frame", at=T0 + timedelta(days=2), domain=fusion.budget,
                  kind="FRAME", by=fusion.bob)
    other.decide("Build by doing", at=T0 + timedelta(days=3))
    surfaced = other.run(c.SurfaceImplicitDecision(trajectory_id=str(other.id),
                                                   domain_id=other.design,
                                                       title="Works council dropped",
                                                           statement="Not invited",
        surfaced_by=other.bob))
    rm = app.readmodels

    def find(**filters: Any) -> list[str]:
        where = DecisionFilter(**filters)
        page = rm.decisions(where, order=DecisionOrder.OLDEST_FIRST, count=True)
        assert page.total_count == len(page.rows) == rm.count_decisions(where)
        return titles(page.rows)

    assert find(status=DecisionStatus.SUPERSEDED) == ["Unity over difference"]
    assert find(origin=DecisionOrigin.IMPLICIT) == ["Works council dropped"]
    assert find(kind=DecisionKind.FRAME) == ["Budget frame"]
    assert find(domain_name="  BUDGET ") == ["Budget frame"]
    assert find(decided_by="bob") == ["Budget frame"]
    assert find(decided_by="Anna de Vries", domain_name="programme design") == [
        "Unity over difference", "Keep the difference", "Build by doing"]
    assert find(decided_from=T0 + timedelta(days=1), decided_to=T0 + timedelta(days=3)) == [
        "Keep the difference", "Budget frame"]
    assert find(search="diff") == ["Unity over difference", "Keep the difference"]
    assert find(search="UNITY, differ!") == ["Unity over difference"]
    assert find(search="unity budget") == []
    assert find(search="  ") == find()
    assert find(trajectory_ids={str(other.id)}) == ["Build by doing", "Works council dropped"]
    assert find(trajectory_ids=set()) == []

    # The backlog, and ratifying it empties it
    assert titles(rm.open_implicit_decisions().rows) == ["Works council dropped"]
    other.run(c.RatifyDecision(trajectory_id=str(other.id),
                               decision_id=surfaced, ratified_by=[other.anna],
                                   rationale="Agreed afterwards"))
    assert rm.open_implicit_decisions(count=True).total_count == 0
    assert find(search="afterw", decided_by="anna de vries") == ["Works council dropped"]


def test_trajectory_filters_and_scope(app: DecisionLog) -> None:
    fusion = Team(app, "Fusie programma", "Gemeente Utrecht")
    Team(app, "Leiderschap", "gemeente utrecht")
    Team(app, "Gideonsbende", "Rabobank")
    fusion.app.handle(c.CloseTrajectory(trajectory_id=str(fusion.id), reason="done"),
                     recorded_by="x")
    rm = app.readmodels

    assert [r.name for r in rm.trajectories(client="Gemeente  UTRECHT").rows] == [
        "Fusie programma", "Leiderschap"]
    closed = rm.trajectories(status=TrajectoryStatus.CLOSED)
    assert [(r.name, r.closed_reason) for r in closed.rows] == [("Fusie programma", "done")]
    assert closed.total_count == 1
    assert [r.name for r in rm.trajectories(search="gideon").rows] == ["Gideonsbende"]
    assert [r.name for r in rm.trajectories(search="utrecht fus").rows] == ["Fusie programma"]
    assert rm.trajectories(trajectory_ids={str(fusion.id)}).total_count == 1


def test_mandates_follow_roles_members_and_domains(app: DecisionLog) -> None:
    fusion, other = Team(app, "Fusie", None), Team(app, "Gideonsbende", None)
    by_role = fusion.run(c.GrantRight(trajectory_id=str(fusion.id),
                                      domain_id=fusion.design, member_id=None, role="client lead",
                                          right="DECIDES",
        condition="above 10k euro"))
    direct = other.run(c.GrantRight(trajectory_id=str(other.id),
                                    domain_id=other.budget, member_id=other.anna, role=None,
                                        right="ADVISES",
        condition=None))
    rm = app.readmodels

    held = rm.mandates("anna de vries")
    assert [(m.trajectory_id, m.right_id, m.right, m.via_role, m.condition, m.domain_name)
            for m in held] == [
        (str(fusion.id), by_role, RightKind.DECIDES, "client lead", "above 10k euro",
         "Programme design"),
        (str(other.id), direct, RightKind.ADVISES, None, None, "Budget")]
    assert rm.mandates("Bob") == []

    # A role change moves the role's rights; a retired domain and a removal end them
    fusion.run(c.ChangeMember(trajectory_id=str(fusion.id),
                              member_id=fusion.bob, role="client lead",
                                            membership=None))
    assert [m.member_name for m in rm.mandates("bob")] == ["Bob"]
    other.run(c.RetireDomain(trajectory_id=str(other.id), domain_id=other.budget, reason=None))
    fusion.run(c.RemoveMember(trajectory_id=str(fusion.id), member_id=fusion.anna, reason=None))
    assert rm.mandates("Anna de Vries") == []
    assert rm.mandates("Bob", trajectory_ids=set()) == []


@pytest.mark.parametrize("order", list(DecisionOrder))
def test_decision_pages_have_no_repeats_or_gaps_while_decisions_arrive(
        app: DecisionLog, order: DecisionOrder) -> None:
    team = Team(app, "Fusie", None)
    for i in range(12):  # pairs share a decidedAt: ties go by recording order
        team.decide(f"Decision {i}", at=T0 + timedelta(hours=i // 2))
    before = {r.id for r in app.readmodels.decisions(first=100).rows}

    seen: list[Any] = []
    after, arrivals = 0, 0
    while True:
        page = app.readmodels.decisions(order=order, first=5, after=after)
        seen += page.rows
        if not page.has_next_page:
            break
        after = page.rows[-1].position
        # Between pages: one newer than all, one older than all, one tied with the cursor
        arrivals += 1
        team.decide(f"New {arrivals}", at=datetime.now(UTC))
        team.decide(f"Backdated {arrivals}", at=T0 - timedelta(days=arrivals))
        team.decide(f"Tied {arrivals}", at=page.rows[-1].decided_at or T0)

    ids = [r.id for r in seen]
    assert len(ids) == len(set(ids)), "a decision was listed twice"
    assert before <= set(ids), "a decision that was there all along was skipped"
    keys = [(r.decided_at, r.position) for r in seen]
    assert keys == sorted(keys, reverse=order is DecisionOrder.NEWEST_FIRST)
    assert arrivals >= 2


def test_trajectory_pages_have_no_repeats_or_gaps_while_trajectories_arrive(
        app: DecisionLog) -> None:
    for i in range(7):
        app.handle(c.StartTrajectory(name=f"T{i}", client=None, description=None), recorded_by="x")
    names: list[str] = []
    after = 0
    while True:
        page = app.readmodels.trajectories(first=3, after=after)
        names += [r.name for r in page.rows]
        if not page.has_next_page:
            break
        after = page.rows[-1].position
        app.handle(c.StartTrajectory(name=f"New after {names[-1]}", client=None,
            description=None), recorded_by="x")
    assert names[:7] == [f"T{i}" for i in range(7)]
    assert len(names) == len(set(names))
    assert len(names) == app.readmodels.trajectories().total_count


@pytest.mark.parametrize("budget", [1, 5, 1000])
def test_search_pages_are_the_same_whichever_way_the_search_runs(
        app: DecisionLog, budget: int) -> None:
    team = Team(app, "Fusie", None)
    for i in range(30):
        title = "Budget frame" if i % 3 else "Venue choice"
        team.decide(f"{title} {i}", at=T0 + timedelta(hours=(i * 7) % 11))
    expected = app.readmodels.decisions(DecisionFilter(search="budg"), first=100).rows
    with scan_budget(budget):
        seen: list[Any] = []
        after = 0
        while True:
            page = app.readmodels.decisions(DecisionFilter(search="budg"), first=4,
                                            after=after)
            seen += page.rows
            if not page.has_next_page:
                break
            after = page.rows[-1].position
    assert [r.id for r in seen] == [r.id for r in expected]
    assert len(expected) == 20


def test_a_cursor_that_names_no_decision_is_refused(app: DecisionLog) -> None:
    Team(app, "Fusie", None).decide("One", at=T0)
    with pytest.raises(InvalidCursorError):
        app.readmodels.decisions(after=10_000)
