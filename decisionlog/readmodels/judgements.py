"""Each decision's phase, and how many who had to be heard were not: kept in the views.

Both are judged as the domain judges them (`decisionlog.domain.phases`,
`decisionlog.domain.consultation`), from the views' rows, after the statements of a
batch of events have run, in the same transaction. They depend on more than the
decision's own event: a phase started later with an earlier `startedAt`, or an ADVISES
right granted later with an earlier `effectiveFrom`, changes the judgement of the
decisions taken since. So every event that can change a judgement names the decisions it
touches (by id, or "taken at or after this moment"), and those are judged again against
the trajectory as the views hold it after the batch: the same answer a replay gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from decisionlog.domain import consultation
from decisionlog.domain import events as ev
from decisionlog.domain import phases as ph
from decisionlog.domain.entities import Decision, DecisionRight, Member, RoleChange
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    RightKind,
    Scale,
    Side,
)
from decisionlog.readmodels.dialect import Executor, Row
from decisionlog.readmodels.projector import CONSULTED, DECIDED, Positioned

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


@dataclass
class _Touched:
    """What a batch may have changed in one trajectory's judgements."""

    decision_ids: set[str] = field(default_factory=set)
    since: datetime | None = None

    def from_moment(self, moment: datetime) -> None:
        self.since = moment if self.since is None else min(self.since, moment)


def touched(events: Iterable[Positioned]) -> dict[str, _Touched]:
    """By trajectory id: the decisions the events may have changed the judgement of."""
    found: dict[str, _Touched] = {}
    for _, e in events:
        mark = found.setdefault(str(e.originator_id), _Touched())
        if isinstance(e, ev.DecisionRecorded | ev.DecisionRatified):
            mark.decision_ids.add(e.decision_id)
        elif isinstance(e, ph.PhaseStarted):
            mark.from_moment(e.started_at)
        elif isinstance(e, ev.RightGranted):
            if e.right == RightKind.ADVISES:
                mark.from_moment(e.effective_from or e.timestamp)
        elif isinstance(e, ev.MemberChanged | ev.MemberRemoved | ev.RightRevoked):
            mark.from_moment(e.timestamp)  # changes from now on: only decisions this late
    return {tid: mark for tid, mark in found.items() if mark.decision_ids or mark.since}


@dataclass
class _State:
    """As much of a trajectory as judging who had to be heard needs (the attributes of
    `Trajectory` the domain functions read)."""

    members: dict[str, Member]
    rights: dict[str, DecisionRight]
    phase_starts: list[ph.PhaseStart]


_JUDGED_ROWS = ("SELECT position, decision_id, domain_id, origin, judged_at, phase_id, "
                "not_consulted FROM dl_decisions")


def rejudge(ex: Executor, events: Iterable[Positioned]) -> None:
    """Judge again the decisions the events may have changed the judgement of."""
    for trajectory_id, mark in touched(events).items():
        _rejudge_trajectory(ex, trajectory_id, mark)


def _rejudge_trajectory(ex: Executor, tid: str, mark: _Touched) -> None:
    # Two queries, each on its own index (the decision ids on the unique key, the
    # moment on ix_decisions_judged): joined with OR, SQLite scanned every decision of
    # the trajectory, once per batch, which made each write cost more the longer the
    # trajectory grew.
    # (`judged_at IS NOT NULL` is checked here: in the query, it led SQLite's planner to
    # the moment's index for the ids too.)
    found: dict[int, Row] = {}
    if mark.decision_ids:
        ids = sorted(mark.decision_ids)
        for row in ex.fetchall(
                f"{_JUDGED_ROWS} WHERE trajectory_id = ? AND decision_id IN "
                f"({', '.join('?' * len(ids))})", (tid, *ids)):
            if row[4] is not None:
                found[row[0]] = row
    if mark.since is not None:
        for row in ex.fetchall(f"{_JUDGED_ROWS} WHERE trajectory_id = ? AND judged_at >= ?",
                               (tid, mark.since)):
            found[row[0]] = row
    rows = [found[position] for position in sorted(found)]
    ts = ex.dialect.timestamp
    if not rows:
        return
    state = _load_state(ex, tid, sorted({r[2] for r in rows}))
    relations = _relations(ex, [r[0] for r in rows])
    updates = []
    for position, decision_id, domain_id, origin, judged_at, old_phase, old_count in rows:
        moment = ts(judged_at)
        assert moment is not None
        deciders = relations.get((position, DECIDED), [])
        decision = _decision(decision_id, domain_id, DecisionOrigin(origin), moment,
                             deciders, relations.get((position, CONSULTED), []))
        phase_id = ph.phase_id_at(state.phase_starts, moment)
        count = len(consultation.not_consulted(cast("Trajectory", state), decision))
        if (phase_id, count) != (old_phase, old_count):
            updates.append((phase_id, tid, phase_id, count, position))
    ex.run(("UPDATE dl_decisions SET phase_id = ?, phase_key = (SELECT name_key FROM "
            "dl_phases WHERE trajectory_id = ? AND phase_id = ?), not_consulted = ? "
            "WHERE position = ?", u) for u in updates)


def _load_state(ex: Executor, tid: str, domain_ids: list[str]) -> _State:
    ts = ex.dialect.timestamp
    marks = ", ".join("?" * len(domain_ids))
    rights: dict[str, DecisionRight] = {}
    for right_id, domain_id, member_id, role, granted, effective, ended in ex.fetchall(
            "SELECT right_id, domain_id, member_id, role, granted_at, effective_from, "
            f"ended_at FROM dl_rights WHERE trajectory_id = ? AND domain_id IN ({marks}) "
            "AND kind = ? ORDER BY position", (tid, *domain_ids, RightKind.ADVISES.value)):
        rights[right_id] = DecisionRight(
            id=right_id, domain_id=domain_id, member_id=member_id, role=role,
            kind=RightKind.ADVISES, condition=None, granted_at=_at(ts(granted)),
            effective_from=_at(ts(effective)), ended_at=ts(ended))
    if rights:
        for right_id, phase_id in ex.fetchall(
                "SELECT right_id, phase_id FROM dl_right_phases WHERE trajectory_id = ? "
                "ORDER BY ordinal", (tid,)):
            if right_id in rights:
                rights[right_id].phase_ids.append(phase_id)
    starts = [ph.PhaseStart(phase_id=p, started_at=_at(ts(s)), recorded_at=_at(ts(s)))
              for p, s in ex.fetchall(
                  "SELECT phase_id, started_at FROM dl_phase_starts WHERE trajectory_id = ? "
                  "ORDER BY position", (tid,))]
    members: dict[str, Member] = {}
    if any(r.role is not None for r in rights.values()):
        members = _members(ex, tid)
    else:  # members named by a right: only whether they exist matters
        members = {m: _member(m, None, []) for m in
                   {r.member_id for r in rights.values() if r.member_id is not None}}
    return _State(members=members, rights=rights, phase_starts=starts)


def _members(ex: Executor, tid: str) -> dict[str, Member]:
    ts = ex.dialect.timestamp
    roles: dict[str, list[RoleChange]] = {}
    for member_id, since, role in ex.fetchall(
            "SELECT member_id, since, role FROM dl_member_roles WHERE trajectory_id = ? "
            "ORDER BY position", (tid,)):
        roles.setdefault(member_id, []).append(RoleChange(since=_at(ts(since)), role=role))
    return {member_id: _member(member_id, ts(left), roles.get(member_id, []))
            for member_id, left in ex.fetchall(
                "SELECT member_id, left_at FROM dl_members WHERE trajectory_id = ? "
                "ORDER BY position", (tid,))}


def _member(member_id: str, left_at: datetime | None, roles: list[RoleChange]) -> Member:
    return Member(id=member_id, name="", role=roles[-1].role if roles else "",
                  side=Side.CLIENT, membership=Membership.CORE,
                  joined_at=roles[0].since if roles else datetime.min, left_at=left_at,
                  role_history=roles)


def _relations(ex: Executor, positions: list[int]) -> dict[tuple[int, str], list[str]]:
    found: dict[tuple[int, str], list[str]] = {}
    for position, relation, member_id in ex.fetchall(
            "SELECT position, relation, member_id FROM dl_decision_members WHERE position "
            f"IN ({', '.join('?' * len(positions))}) ORDER BY position, ordinal", positions):
        found.setdefault((position, relation), []).append(member_id)
    return found


def _decision(decision_id: str, domain_id: str, origin: DecisionOrigin, moment: datetime,
              deciders: list[str], consulted: list[str]) -> Decision:
    """The decision as far as judging it needs: who decided and was consulted, when."""
    implicit = origin is DecisionOrigin.IMPLICIT
    return Decision(
        id=decision_id, domain_id=domain_id, title="", statement="", rationale=None,
        options_considered=[], decided_by=deciders, consulted=consulted,
        scale=Scale.SMALL, kind=DecisionKind.DECISION, origin=origin,
        status=DecisionStatus.IN_FORCE, decided_at=None if implicit else moment,
        recorded_at=moment, ratified_by=deciders if implicit else [],
        ratified_at=moment if implicit else None)


def _at(value: datetime | None) -> datetime:
    assert value is not None, "a NOT NULL timestamp column held NULL"
    return value
