"""Events to SQL: the one projector, used live (in the events' transaction) and by rebuild.

`project` is a pure function of the events and their notification ids: it returns the
statements, and running them in order on views that include every earlier event gives
the same views however the event log is cut into batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from decisionlog.domain import consultation as co
from decisionlog.domain import events as ev
from decisionlog.domain import phases as ph
from decisionlog.domain.events import ENDED_WITH_MEMBER, TrajectoryEvent
from decisionlog.domain.values import (
    DecisionOrigin,
    DecisionStatus,
    ReviewReasonKind,
    TrajectoryStatus,
    name_key,
)
from decisionlog.readmodels import review_projection as reviews
from decisionlog.readmodels.dialect import Statement
from decisionlog.readmodels.search import index_text

Positioned = tuple[int, TrajectoryEvent]
Handler = Callable[[int, Any], list[Statement]]

DECIDED = "DECIDED"
CONSULTED = "CONSULTED"
INFORMED = "INFORMED"  # marked informed (markInformed)


def project(events: Iterable[Positioned]) -> list[Statement]:
    """The statements that apply the events, in notification order, to the views."""
    statements: list[Statement] = []
    last: dict[str, tuple[int, datetime]] = {}
    for position, event in events:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            statements += handler(position, event)
        last[_tid(event)] = (event.originator_version, event.timestamp)
    for trajectory_id, (version, at) in last.items():
        if version > 1:
            statements.append((
                "UPDATE dl_trajectories SET version = ?, updated_at = ? "
                "WHERE trajectory_id = ?", (version, at, trajectory_id)))
    return statements


def _tid(event: TrajectoryEvent) -> str:
    return str(event.originator_id)


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _started(position: int, e: ev.TrajectoryStarted) -> list[Statement]:
    return [(
        "INSERT INTO dl_trajectories (position, trajectory_id, name, client, client_key, "
        "description, status, version, started_at, updated_at, search_text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (position, _tid(e), e.name, e.client, name_key(e.client) if e.client else None,
         e.description, TrajectoryStatus.ACTIVE.value, e.originator_version, e.timestamp,
         e.timestamp, index_text(e.name, e.client, e.description)))]


def _closed(position: int, e: ev.TrajectoryClosed) -> list[Statement]:
    return [(
        "UPDATE dl_trajectories SET status = ?, closed_at = ?, closed_reason = ? "
        "WHERE trajectory_id = ?",
        (TrajectoryStatus.CLOSED.value, e.timestamp, e.reason, _tid(e)))]


_INSERT_ROLE = ("INSERT INTO dl_member_roles (position, trajectory_id, member_id, since, "
                "role) VALUES (?, ?, ?, ?, ?)")


def _member_added(position: int, e: ev.MemberAdded) -> list[Statement]:
    return [(
        "INSERT INTO dl_members (trajectory_id, member_id, position, name, name_key, role, "
        "side, membership, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_tid(e), e.member_id, position, e.name, name_key(e.name), e.role, _s(e.side),
         _s(e.membership), e.timestamp)),
        (_INSERT_ROLE, (position, _tid(e), e.member_id, e.timestamp, e.role))]


def _member_changed(position: int, e: ev.MemberChanged) -> list[Statement]:
    statements: list[Statement] = [(
        "UPDATE dl_members SET role = COALESCE(?, role), "
        "membership = COALESCE(?, membership) WHERE trajectory_id = ? AND member_id = ?",
        (e.role, _s(e.membership), _tid(e), e.member_id))]
    if e.role is not None:
        statements.append((_INSERT_ROLE, (position, _tid(e), e.member_id, e.timestamp, e.role)))
    return statements


def _member_removed(position: int, e: ev.MemberRemoved) -> list[Statement]:
    return [
        ("UPDATE dl_members SET left_at = ? WHERE trajectory_id = ? AND member_id = ?",
         (e.timestamp, _tid(e), e.member_id)),
        ("UPDATE dl_rights SET ended_at = ?, ended_reason = ? "
         "WHERE trajectory_id = ? AND member_id = ? AND ended_at IS NULL",
         (e.timestamp, ENDED_WITH_MEMBER, _tid(e), e.member_id)),
    ]


def _domain_defined(position: int, e: ev.DomainDefined) -> list[Statement]:
    return [(
        "INSERT INTO dl_domains (trajectory_id, domain_id, position, name, name_key, "
        "description, defined_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (_tid(e), e.domain_id, position, e.name, name_key(e.name), e.description,
         e.timestamp))]


def _domain_retired(position: int, e: ev.DomainRetired) -> list[Statement]:
    return [(
        "UPDATE dl_domains SET retired_at = ? WHERE trajectory_id = ? AND domain_id = ?",
        (e.timestamp, _tid(e), e.domain_id))]


def _right_granted(position: int, e: ev.RightGranted) -> list[Statement]:
    return [(
        "INSERT INTO dl_rights (trajectory_id, right_id, position, domain_id, member_id, "
        "role, kind, condition, granted_at, effective_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_tid(e), e.right_id, position, e.domain_id, e.member_id, e.role, _s(e.right),
         e.condition, e.timestamp, e.effective_from or e.timestamp)),
        *[("INSERT INTO dl_right_phases (trajectory_id, right_id, phase_id, ordinal) "
           "VALUES (?, ?, ?, ?)", (_tid(e), e.right_id, phase, i))
          for i, phase in enumerate(e.phase_ids or ())]]


def _right_revoked(position: int, e: ev.RightRevoked) -> list[Statement]:
    return [(
        "UPDATE dl_rights SET ended_at = ?, ended_reason = ? "
        "WHERE trajectory_id = ? AND right_id = ?",
        (e.timestamp, e.reason, _tid(e), e.right_id))]


_INSERT_DECISION = (
    "INSERT INTO dl_decisions (position, trajectory_id, decision_id, domain_id, domain_key, "
    "title, statement, rationale, kind, origin, status, scale, decided_at, recorded_at, "
    "sort_at, surfaced_by, evidence, base_text, rationale_text, review_by, judged_at, "
    "sort_ceiling) VALUES (?, ?, ?, ?, "
    "(SELECT name_key FROM dl_domains WHERE trajectory_id = ? AND domain_id = ?), "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "(SELECT CASE WHEN MAX(c) IS NULL OR MAX(c) < ? THEN ? ELSE MAX(c) END FROM "
    "(SELECT sort_ceiling AS c FROM dl_decisions ORDER BY position DESC LIMIT 1) prev))"
)
_INSERT_DECISION_MEMBER = (
    "INSERT INTO dl_decision_members (position, relation, member_id, ordinal, name_key) "
    "VALUES (?, ?, ?, ?, (SELECT name_key FROM dl_members WHERE trajectory_id = ? "
    "AND member_id = ?))"
)


def _members(position: int, e: TrajectoryEvent, relation: str,
             member_ids: Sequence[str]) -> list[Statement]:
    return [(_INSERT_DECISION_MEMBER, (position, relation, m, i, _tid(e), m))
            for i, m in enumerate(member_ids)]


def _recorded(position: int, e: ev.DecisionRecorded) -> list[Statement]:
    tid = _tid(e)
    statements: list[Statement] = [(_INSERT_DECISION, (
        position, tid, e.decision_id, e.domain_id, tid, e.domain_id, e.title, e.statement,
        e.rationale, _s(e.kind), DecisionOrigin.EXPLICIT.value,
        DecisionStatus.IN_FORCE.value, _s(e.scale), e.decided_at, e.timestamp,
        e.decided_at, None, None, index_text(e.title, e.statement),
        index_text(e.rationale), e.review_by, e.decided_at, e.decided_at, e.decided_at))]
    statements += _members(position, e, DECIDED, e.decided_by)
    statements += _members(position, e, CONSULTED, e.consulted)
    for i, superseded in enumerate(e.supersedes):
        statements.append((
            "INSERT INTO dl_supersessions (trajectory_id, decision_id, superseded_id, "
            "ordinal) VALUES (?, ?, ?, ?)", (tid, e.decision_id, superseded, i)))
        statements.append((
            "UPDATE dl_decisions SET status = ? WHERE trajectory_id = ? AND decision_id = ?",
            (DecisionStatus.SUPERSEDED.value, tid, superseded)))
        statements += reviews.reasons_closed(e, superseded)
    return statements + reviews.reasons_opened(
        position, e, e.up_for_review, ReviewReasonKind.FRAME_SUPERSEDED, e.decision_id)


def _surfaced(position: int, e: ev.ImplicitDecisionSurfaced) -> list[Statement]:
    tid = _tid(e)
    return [(_INSERT_DECISION, (
        position, tid, e.decision_id, e.domain_id, tid, e.domain_id, e.title, e.statement,
        None, _s(e.kind), DecisionOrigin.IMPLICIT.value,
        DecisionStatus.PROPOSED_IMPLICIT.value, _s(e.scale), e.since, e.timestamp,
        e.since or e.timestamp, e.surfaced_by, e.evidence, index_text(e.title, e.statement),
        "", None, None, e.since or e.timestamp, e.since or e.timestamp))]


def _ratified(position: int, e: ev.DecisionRatified) -> list[Statement]:
    tid = _tid(e)
    statements: list[Statement] = [(
        "UPDATE dl_decisions SET status = ?, rationale = ?, rationale_text = ?, "
        "ratified_at = ?, judged_at = ?, review_by = ? WHERE trajectory_id = ? "
        "AND decision_id = ?",
        (DecisionStatus.IN_FORCE.value, e.reason, index_text(e.reason), e.timestamp,
         e.timestamp, e.review_by, tid, e.decision_id))]
    statements += [(
        "INSERT INTO dl_decision_members (position, relation, member_id, ordinal, name_key) "
        "SELECT d.position, ?, m.member_id, ?, m.name_key FROM dl_decisions d, dl_members m "
        "WHERE d.trajectory_id = ? AND d.decision_id = ? AND m.trajectory_id = ? "
        "AND m.member_id = ?", (DECIDED, i, tid, e.decision_id, tid, member))
        for i, member in enumerate(e.members)]
    return statements


def _closed_decision(status: DecisionStatus) -> Handler:
    def handler(position: int, e: ev.DecisionRejected | ev.DecisionWithdrawn
                ) -> list[Statement]:
        statements: list[Statement] = [(
            "UPDATE dl_decisions SET status = ?, closed_at = ?, closed_reason = ? "
            "WHERE trajectory_id = ? AND decision_id = ?",
            (status.value, e.timestamp, e.reason, _tid(e), e.decision_id))]
        statements += reviews.reasons_closed(e, e.decision_id)
        if isinstance(e, ev.DecisionWithdrawn):
            statements += reviews.reasons_opened(
                position, e, e.up_for_review, ReviewReasonKind.FRAME_WITHDRAWN, None)
        return statements
    return handler


def _phase_defined(position: int, e: ph.PhaseDefined) -> list[Statement]:
    return [(
        "INSERT INTO dl_phases (trajectory_id, phase_id, position, name, name_key, "
        "description, ordinal, defined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (_tid(e), e.phase_id, position, e.name, name_key(e.name), e.description, e.order,
         e.timestamp))]


def _phase_retired(position: int, e: ph.PhaseRetired) -> list[Statement]:
    return [(
        "UPDATE dl_phases SET retired_at = ? WHERE trajectory_id = ? AND phase_id = ?",
        (e.timestamp, _tid(e), e.phase_id))]


def _phase_started(position: int, e: ph.PhaseStarted) -> list[Statement]:
    return [(
        "INSERT INTO dl_phase_starts (position, trajectory_id, phase_id, started_at) "
        "VALUES (?, ?, ?, ?)", (position, _tid(e), e.phase_id, e.started_at))]


def _informed(position: int, e: co.DecisionInformed) -> list[Statement]:
    tid = _tid(e)
    return [(
        "INSERT INTO dl_decision_members (position, relation, member_id, ordinal, name_key) "
        "SELECT d.position, ?, m.member_id, ?, m.name_key FROM dl_decisions d, dl_members m "
        "WHERE d.trajectory_id = ? AND d.decision_id = ? AND m.trajectory_id = ? "
        "AND m.member_id = ?", (INFORMED, position, tid, e.decision_id, tid, member))
        for member in e.members]


_HANDLERS: dict[type[Any], Handler] = {
    ev.TrajectoryStarted: _started,
    ev.TrajectoryClosed: _closed,
    ev.MemberAdded: _member_added,
    ev.MemberChanged: _member_changed,
    ev.MemberRemoved: _member_removed,
    ev.DomainDefined: _domain_defined,
    ev.DomainRetired: _domain_retired,
    ev.RightGranted: _right_granted,
    ev.RightRevoked: _right_revoked,
    ev.DecisionRecorded: _recorded,
    ev.ImplicitDecisionSurfaced: _surfaced,
    ev.DecisionRatified: _ratified,
    ev.DecisionRejected: _closed_decision(DecisionStatus.REJECTED),
    ev.DecisionWithdrawn: _closed_decision(DecisionStatus.WITHDRAWN),
    ph.PhaseDefined: _phase_defined,
    ph.PhaseRetired: _phase_retired,
    ph.PhaseStarted: _phase_started,
    co.DecisionInformed: _informed,
    **reviews.HANDLERS,
}
