"""Read functions over the views: lists across trajectories, without loading aggregates.

Each takes an `Executor` inside a read transaction (see `ReadModels` for the usual way in)
and returns plain dataclasses. Lists are keyset-paginated: `after` is the `position` of
the last row of the previous page (0 for the first page), so rows added between two
pages never shift a later page.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    RightKind,
    Scale,
    TrajectoryStatus,
)
from decisionlog.readmodels.dialect import Executor, Row
from decisionlog.readmodels.projector import CONSULTED, DECIDED, name_key
from decisionlog.readmodels.rows import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    InvalidCursorError,
    MandateRow,
    MemberRef,
    Page,
    TrajectoryRow,
)
from decisionlog.readmodels.search import match_condition, match_parameter, query_words

Where = tuple[list[str], list[Any]]
ANY_DECISION = DecisionFilter()

_TRAJECTORY_COLUMNS = (
    "t.position, t.trajectory_id, t.name, t.client, t.description, t.status, t.version, "
    "t.started_at, t.updated_at, t.closed_at, t.closed_reason")
_DECISION_COLUMNS = (
    "d.position, d.trajectory_id, d.decision_id, d.domain_id, dm.name, d.title, "
    "d.statement, d.rationale, d.kind, d.origin, d.status, d.scale, d.decided_at, "
    "d.recorded_at, d.surfaced_by, d.evidence, d.ratified_at, d.closed_at, d.closed_reason")
_DECISION_FROM = (
    "FROM dl_decisions d JOIN dl_domains dm "
    "ON dm.trajectory_id = d.trajectory_id AND dm.domain_id = d.domain_id")


def trajectories(
    ex: Executor, *, status: TrajectoryStatus | None = None, client: str | None = None,
    search: str | None = None, trajectory_ids: Collection[str] | None = None,
    first: int = 20, after: int = 0, count: bool = True,
) -> Page[TrajectoryRow]:
    """Trajectories in the order they were started, filtered; `client` matches exactly
    (case-insensitive), `search` by words of the name, client and description."""
    conditions: list[str] = []
    params: list[Any] = []
    if status is not None:
        conditions.append("t.status = ?")
        params.append(status.value)
    if client is not None:
        conditions.append("t.client_key = ?")
        params.append(name_key(client))
    _search(ex, "dl_trajectories", "t", search, conditions, params)
    _scope(trajectory_ids, "t", conditions, params)
    where = _where(conditions)
    rows = ex.fetchall(
        f"SELECT {_TRAJECTORY_COLUMNS} FROM dl_trajectories t "
        f"{_where([*conditions, 't.position > ?'])} ORDER BY t.position LIMIT ?",
        (*params, after, first + 1))
    total = None
    if count:
        total = int(ex.scalar(f"SELECT COUNT(*) FROM dl_trajectories t {where}", params))
    return Page([_trajectory(ex, r) for r in rows[:first]], len(rows) > first, total)


def decisions(
    ex: Executor, where: DecisionFilter = ANY_DECISION, *,
    order: DecisionOrder = DecisionOrder.NEWEST_FIRST, first: int = 20, after: int = 0,
    count: bool = False,
) -> Page[DecisionRow]:
    """Decisions across trajectories, by decidedAt (recorded time when it has none),
    ties in the order recorded; filtered as `where` says."""
    conditions, params = _decision_conditions(ex, where)
    page_conditions, page_params = list(conditions), list(params)
    direction = "DESC" if order is DecisionOrder.NEWEST_FIRST else "ASC"
    if after:
        sort_at = ex.scalar("SELECT sort_at FROM dl_decisions WHERE position = ?", (after,))
        if sort_at is None:
            raise InvalidCursorError(after, "decisions")
        operator = "<" if order is DecisionOrder.NEWEST_FIRST else ">"
        page_conditions.append(f"(d.sort_at, d.position) {operator} (?, ?)")
        page_params += [sort_at, after]
    rows = ex.fetchall(
        f"SELECT {_DECISION_COLUMNS} {_DECISION_FROM} {_where(page_conditions)} "
        f"ORDER BY d.sort_at {direction}, d.position {direction} LIMIT ?",
        (*page_params, first + 1))
    total = count_decisions(ex, where) if count else None
    return Page(_decisions(ex, rows[:first]), len(rows) > first, total)


def count_decisions(ex: Executor, where: DecisionFilter = ANY_DECISION) -> int:
    """How many decisions match `where`."""
    conditions, params = _decision_conditions(ex, where)
    return int(ex.scalar(f"SELECT COUNT(*) FROM dl_decisions d {_where(conditions)}", params))


def open_implicit_decisions(
    ex: Executor, *, trajectory_ids: Collection[str] | None = None, first: int = 100,
    after: int = 0, count: bool = False,
) -> Page[DecisionRow]:
    """Surfaced decisions awaiting ratification, across trajectories, oldest surfaced
    first."""
    conditions = ["d.status = ?"]
    params: list[Any] = [DecisionStatus.PROPOSED_IMPLICIT.value]
    _scope(trajectory_ids, "d", conditions, params)
    rows = ex.fetchall(
        f"SELECT {_DECISION_COLUMNS} {_DECISION_FROM} "
        f"{_where([*conditions, 'd.position > ?'])} ORDER BY d.position LIMIT ?",
        (*params, after, first + 1))
    total = None
    if count:
        total = int(ex.scalar(
            f"SELECT COUNT(*) FROM dl_decisions d {_where(conditions)}", params))
    return Page(_decisions(ex, rows[:first]), len(rows) > first, total)


_MANDATE_SELECT = (
    "SELECT t.position, dm.position, r.position, t.trajectory_id, t.name, t.status, "
    "m.member_id, m.name, m.role, r.right_id, r.kind, r.condition, r.domain_id, dm.name, "
    "r.role, r.granted_at, r.effective_from "
    "FROM dl_members m JOIN dl_rights r ON r.trajectory_id = m.trajectory_id AND {holder} "
    "JOIN dl_domains dm ON dm.trajectory_id = r.trajectory_id AND dm.domain_id = r.domain_id "
    "JOIN dl_trajectories t ON t.trajectory_id = m.trajectory_id "
    "WHERE m.name_key = ? AND m.left_at IS NULL AND r.ended_at IS NULL "
    "AND dm.retired_at IS NULL{scope}"
)


def mandates(ex: Executor, member_name: str, *,
             trajectory_ids: Collection[str] | None = None) -> list[MandateRow]:
    """Every right in force that an active member of this name (case-insensitive) holds
    on an active domain, directly or through their current role, in every trajectory;
    by trajectory, then domain, then right, in the order they were made."""
    scope_conditions: list[str] = []
    scope_params: list[Any] = []
    _scope(trajectory_ids, "t", scope_conditions, scope_params)
    scope = "".join(f" AND {c}" for c in scope_conditions)
    key = name_key(member_name)
    direct = _MANDATE_SELECT.format(holder="r.member_id = m.member_id", scope=scope)
    by_role = _MANDATE_SELECT.format(holder="r.role = m.role", scope=scope)
    rows = ex.fetchall(
        f"{direct} UNION ALL {by_role} ORDER BY 1, 2, 3, 7",
        (key, *scope_params, key, *scope_params))
    ts = ex.dialect.timestamp
    return [MandateRow(
        trajectory_id=r[3], trajectory_name=r[4], trajectory_status=TrajectoryStatus(r[5]),
        member_id=r[6], member_name=r[7], member_role=r[8], right_id=r[9],
        right=RightKind(r[10]), condition=r[11], domain_id=r[12], domain_name=r[13],
        via_role=r[14], granted_at=_ts(ts(r[15])), effective_from=_ts(ts(r[16])),
    ) for r in rows]


def _decision_conditions(ex: Executor, where: DecisionFilter) -> Where:
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (("status", where.status), ("origin", where.origin),
                          ("kind", where.kind)):
        if value is not None:
            conditions.append(f"d.{column} = ?")
            params.append(value.value)
    if where.domain_name is not None:
        conditions.append("d.domain_key = ?")
        params.append(name_key(where.domain_name))
    if where.decided_by is not None:
        conditions.append("d.position IN (SELECT position FROM dl_decision_members "
                          "WHERE name_key = ? AND relation = ?)")
        params += [name_key(where.decided_by), DECIDED]
    if where.decided_from is not None:
        conditions.append("d.decided_at >= ?")
        params.append(where.decided_from)
    if where.decided_to is not None:
        conditions.append("d.decided_at < ?")
        params.append(where.decided_to)
    _search(ex, "dl_decisions", "d", where.search, conditions, params)
    _scope(where.trajectory_ids, "d", conditions, params)
    return conditions, params


def _search(ex: Executor, table: str, alias: str, search: str | None,
            conditions: list[str], params: list[Any]) -> None:
    words = query_words(search)
    if words:
        conditions.append(match_condition(ex.dialect, table, alias))
        params.append(match_parameter(ex.dialect, words))


def _scope(trajectory_ids: Collection[str] | None, alias: str, conditions: list[str],
           params: list[Any]) -> None:
    if trajectory_ids is None:
        return
    ids = sorted(set(trajectory_ids))
    if not ids:
        conditions.append("1 = 0")
        return
    conditions.append(f"{alias}.trajectory_id IN ({', '.join('?' * len(ids))})")
    params += ids


def _where(conditions: Sequence[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


def _ts(value: Any) -> Any:
    assert value is not None, "a NOT NULL timestamp column held NULL"
    return value


def _trajectory(ex: Executor, r: Row) -> TrajectoryRow:
    ts = ex.dialect.timestamp
    return TrajectoryRow(
        position=r[0], id=r[1], name=r[2], client=r[3], description=r[4],
        status=TrajectoryStatus(r[5]), version=r[6], started_at=_ts(ts(r[7])),
        updated_at=_ts(ts(r[8])), closed_at=ts(r[9]), closed_reason=r[10])


def _decisions(ex: Executor, rows: list[Row]) -> list[DecisionRow]:
    """Decision rows with their members and supersessions (two more queries a page)."""
    if not rows:
        return []
    positions = [r[0] for r in rows]
    marks = ", ".join("?" * len(positions))
    members: dict[tuple[int, str], list[MemberRef]] = {}
    for position, relation, member_id, name in ex.fetchall(
            "SELECT x.position, x.relation, x.member_id, m.name FROM dl_decision_members x "
            "JOIN dl_decisions d ON d.position = x.position JOIN dl_members m "
            "ON m.trajectory_id = d.trajectory_id AND m.member_id = x.member_id "
            f"WHERE x.position IN ({marks}) ORDER BY x.position, x.relation, x.ordinal",
            positions):
        members.setdefault((position, relation), []).append(MemberRef(member_id, name))
    pairs = sorted({(r[1], r[2]) for r in rows})
    tids = sorted({p[0] for p in pairs})
    dids = sorted({p[1] for p in pairs})
    links = ex.fetchall(
        "SELECT trajectory_id, decision_id, superseded_id FROM dl_supersessions "
        f"WHERE trajectory_id IN ({', '.join('?' * len(tids))}) "
        f"AND (decision_id IN ({', '.join('?' * len(dids))}) "
        f"OR superseded_id IN ({', '.join('?' * len(dids))})) ORDER BY ordinal",
        (*tids, *dids, *dids))
    supersedes: dict[tuple[str, str], list[str]] = {}
    superseded_by: dict[tuple[str, str], list[str]] = {}
    for tid, newer, older in links:
        supersedes.setdefault((tid, newer), []).append(older)
        superseded_by.setdefault((tid, older), []).append(newer)
    ts = ex.dialect.timestamp
    return [DecisionRow(
        position=r[0], trajectory_id=r[1], id=r[2], domain_id=r[3], domain_name=r[4],
        title=r[5], statement=r[6], rationale=r[7], kind=DecisionKind(r[8]),
        origin=DecisionOrigin(r[9]), status=DecisionStatus(r[10]), scale=Scale(r[11]),
        decided_at=ts(r[12]), recorded_at=_ts(ts(r[13])), surfaced_by=r[14],
        evidence=r[15], ratified_at=ts(r[16]), closed_at=ts(r[17]), closed_reason=r[18],
        decided_by=tuple(members.get((r[0], DECIDED), ())),
        consulted=tuple(members.get((r[0], CONSULTED), ())),
        supersedes=tuple(supersedes.get((r[1], r[2]), ())),
        superseded_by=tuple(superseded_by.get((r[1], r[2]), ())),
    ) for r in rows]
